"""The local stack: moto server, the Chalice app and the local launcher on one machine."""
