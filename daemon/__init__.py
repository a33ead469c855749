"""facturier's domain, storage, services, scheduler, runtime and CLI."""
