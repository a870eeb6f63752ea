"""A real SMTP server (aiosmtpd) for Paperboy's mail tests."""
