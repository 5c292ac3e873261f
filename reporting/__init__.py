"""Reporting: managers' dashboards, the monthly report and their exports. Reads only."""
