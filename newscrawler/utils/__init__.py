"""Small pure helpers every room uses: URLs and sites, plain text, dates."""
