from incident_kit.cli import main

main()
