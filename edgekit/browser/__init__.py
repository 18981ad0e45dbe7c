"""The browser as a bench device: headless Chromium running the runtimes the web apps ship.

- :mod:`.runtimes`: the pinned npm packages (``npm pack``, sha256-checked, cached), data in
  ``data/runtimes.json``;
- :mod:`.chromium`: the system Chromium and the flags each backend needs;
- :mod:`.server`: the local 127.0.0.1 server with cross-origin isolation headers;
- ``page/``: the bench page, whose timing loops follow the host's rules;
- :mod:`.session`: Playwright driving the page from Python;
- :mod:`.worker`: one bench run (or one gate round) in a worker process;
- :mod:`.pairing`: the gate's ABBA rounds with both models in one page.

The delegates live in :mod:`edgekit.delegates.browser`, the device in :mod:`edgekit.devices.browser`.
"""
