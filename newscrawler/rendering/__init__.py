"""The scrapy-playwright add-on: which article pages go through headless Chromium, and how."""
