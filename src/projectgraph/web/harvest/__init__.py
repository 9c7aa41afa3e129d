"""What harvesters and crawlers read (VoID, DCAT, dumps, sitemap, robots.txt) and the home page."""
