"""gunicorn settings shared by `make run` (lbp_pathway/devstack.py) and the Dockerfile:
`gunicorn --config python:lbp_pathway.gunicorn_conf lbp_pathway.wsgi ...`. Command-line options
(bind, workers, log files) still apply on top."""

# Access and error logs without query strings, tokens or PHI (lbp_pathway/gunicorn_logging.py).
logger_class = "lbp_pathway.gunicorn_logging.ScrubbedLogger"
