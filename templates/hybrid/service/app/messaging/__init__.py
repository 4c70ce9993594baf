"""RabbitMQ: settings, topology and connections shared by the API and the worker."""
