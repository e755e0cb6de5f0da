"""WeChat mini-program login: jscode2session on the wire, the API client, open-data
crypto, the access token, and the provider. Import the module you need; this package
loads nothing by itself.
"""
