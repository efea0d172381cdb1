module ingest-platform.local/kind/pause

go 1.22
