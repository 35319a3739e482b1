"""paropt: find the best settings of a command-line tool by running timed trials."""

__version__ = "0.1.0"
