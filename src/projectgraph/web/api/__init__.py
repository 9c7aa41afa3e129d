"""The named-query API at ``/api/queries``, its OpenAPI document and ``/docs``."""
