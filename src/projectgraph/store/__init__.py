"""Where queries run: the store interface and the embedded Oxigraph implementation."""
