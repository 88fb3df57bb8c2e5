"""Open311 GeoReport v2 under `/open311/v2/`: a client application (a resident app, a call-centre
system) posts reports as petitions with an api key, and reads public petitions back.

- `api.py`: the endpoints (the decisions a client developer needs are in its docstring);
- `create.py`: a POST of a new request, checked and stored as a petition;
- `urls.py`: their URLs (namespace `open311:`);
- `format.py`: the wire format (XML/JSON documents, dates, errors, service attributes);
- `errors.py`: requests the API cannot read, and Django's own errors under /open311/;
- `directory.py`: what a POST looks up (key, service, board, kind, period), kept per process;
- `keys.py`: API keys (issue, authenticate, revoke); `admin.py`: the keys in the admin.

Nothing is imported here, so importing one module does not load the others."""
