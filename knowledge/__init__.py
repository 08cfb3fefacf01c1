"""The knowledge base: entries per topic folder, UI messages, loader, validator and build step."""
