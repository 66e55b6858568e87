"""deflectkit: grounded, cited draft replies for support agents from a help center."""

__version__ = "0.1.0"
