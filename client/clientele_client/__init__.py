"""The client side of Clientele, outside the Lambda layer: the Python SDK (`sdk`) and the `clientele`
command line (`cli`) for keys and bulk work."""
