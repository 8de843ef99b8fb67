"""The archive in Datasette: `plugin` (hooks and routes), `views` (reading), `archived` (the
archived content, sandboxed), `api` (the browser extension's backend), `http` (shared plumbing),
`metadata` (table descriptions)."""
