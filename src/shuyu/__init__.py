"""数域 shuyu — platform for authorized operation of public data resources under the Sichuan rules."""
