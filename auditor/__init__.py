"""auditor: readiness and compliance audit scanner for AI/ML deployments."""

__version__ = "0.1.0"
