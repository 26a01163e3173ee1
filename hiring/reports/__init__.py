"""The pipeline report (metrics, tables, HTML and PNG charts) and the weekly hiring-manager digest.

metrics.py computes every number from the event log, the timers and the escalations; tables.py turns them
into sections that the terminal, the HTML file and the Prefect artifacts all render. matplotlib is imported
only by charts.py, which only the HTML and PNG outputs load.
"""
