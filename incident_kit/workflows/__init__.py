"""The GitHub Actions workflows `incident init` installs: their managed steps, pins and audits."""
