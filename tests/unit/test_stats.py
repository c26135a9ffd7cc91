from scrapy.statscollectors import MemoryStatsCollector

from newscrawler.report.stats import CrawlStats


def test_the_crawl_counts_with_scrapys_stats_methods(make_crawler):
    crawler = make_crawler()
    stats = crawler.stats
    assert isinstance(stats, CrawlStats) and isinstance(stats, MemoryStatsCollector)
    stats.inc_value("newscrawler/articles_written")
    stats.inc_value("newscrawler/articles_written", 2)
    stats.max_value("peak", 3)
    stats.max_value("peak", 1)
    stats.set_value("output", "out.jsonl")
    assert stats.get_value("newscrawler/articles_written") == 3
    assert stats.get_stats() == {"newscrawler/articles_written": 3, "peak": 3,
                                 "output": "out.jsonl"}
