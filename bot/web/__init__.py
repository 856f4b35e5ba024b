"""The web adapter: pages, the API, the status page and sign-in, as thin handlers over the domain."""
