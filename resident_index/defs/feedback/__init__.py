"""Quality feedback to the source systems (group quality_feedback): resident_index/feedback/."""
