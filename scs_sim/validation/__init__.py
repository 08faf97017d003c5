"""Model validation: published reference data, the experiments table, protocols and the report."""
