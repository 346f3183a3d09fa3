"""The order simulator: realistic U.S. order events, faults on purpose, to Kafka or Event Hubs."""
