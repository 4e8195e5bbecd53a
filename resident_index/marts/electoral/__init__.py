"""The electoral register mart: is each elector confirmed at the registered address by other council data,
the validation rate by polling district, the review list (no evidence, moved, died) and the canvass list
(adults and attainers living at an address where they are not registered). Rules: electoral.yaml."""
