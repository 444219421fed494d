from incident_kit.entry import main

main()
