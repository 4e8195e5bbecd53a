"""Service demand mart: residents per service and combination of services, demand by ward and age band,
a monthly trend and households in contact with several services (service_demand.yaml says what counts)."""
