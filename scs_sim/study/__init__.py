"""Studies: sweep specs, samplers, executors (serial, processes, Dask), the result store, comparisons."""
