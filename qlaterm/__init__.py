"""qlaterm: a console for the LwM2M AT commands of the Quectel BC26 NB-IoT module."""

__version__ = "0.1.0"
