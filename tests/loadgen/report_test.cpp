#include "loadgen/report.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace emporium::loadgen {
namespace {

FlashSaleOutcome Sale(int units, int buyers, int64_t sold_orders) {
    FlashSaleOutcome s;
    s.sku = "FLASH-x";
    s.units = units;
    s.buyers = s.buyers_ready = buyers;
    s.orders_201 = sold_orders;
    s.orders_409 = buyers - sold_orders;
    s.inventory_read = true;
    s.reserved = std::min<int64_t>(sold_orders, units);
    s.available = units - s.reserved;
    return s;
}

TEST(FlashVerdict, ExactlyTheUnitsIsOk) { EXPECT_EQ(JudgeFlashSale(Sale(10, 50, 10)), FlashVerdict::kOk); }

TEST(FlashVerdict, MoreOrdersThanUnitsIsAnOversell) {
    // A server with a lost update: its inventory looks sane, the order count does not.
    FlashSaleOutcome s = Sale(10, 50, 37);
    s.reserved = 1;
    s.available = 9;
    EXPECT_EQ(JudgeFlashSale(s), FlashVerdict::kOversell);
}

TEST(FlashVerdict, InventoryBeyondTheUnitsIsAnOversell) {
    FlashSaleOutcome s = Sale(10, 50, 10);
    s.reserved = 8;
    s.sold = 4;
    EXPECT_EQ(JudgeFlashSale(s), FlashVerdict::kOversell);
}

TEST(FlashVerdict, FewerOrdersThanPossibleIsUndersold) {
    EXPECT_EQ(JudgeFlashSale(Sale(10, 50, 9)), FlashVerdict::kUndersold);
    // With fewer buyers than units, every buyer should get one.
    EXPECT_EQ(JudgeFlashSale(Sale(10, 5, 5)), FlashVerdict::kOk);
}

TEST(FlashVerdict, InventoryDisagreeingWithOrdersIsInconsistent) {
    FlashSaleOutcome s = Sale(10, 50, 10);
    s.reserved = 9;
    EXPECT_EQ(JudgeFlashSale(s), FlashVerdict::kInconsistent);
}

Report SampleReport() {
    Report r;
    r.scenario = "product";
    r.description = "GET product";
    r.interaction = "one product page";
    r.started_at = "2026-11-26T10:00:00Z";
    r.machine = Machine{2, "Test CPU", 24};
    r.server = ServerInfo{"http://127.0.0.1:1", "release", 200, R"({"status":"ok"})", ""};
    r.load.connections = 32;
    r.load.threads = 1;
    r.load.duration_s = 10;
    RunFigures ceiling;
    ceiling.requests_per_s = 50'000;
    r.ceiling = ceiling;
    r.result.seconds = 10;
    r.result.requests = 400'000;
    r.result.requests_per_s = 40'000;
    r.result.statuses["200"] = 400'000;
    r.result.operations.push_back({"product", 400'000, 40'000, 0, {}});
    return r;
}

TEST(Report, JsonStatesMachineServerAndCeilingShare) {
    Report r = SampleReport();
    boost::json::value doc = boost::json::parse(FormatJson(r));
    EXPECT_EQ(doc.at("machine").at("cores").as_int64(), 2);
    EXPECT_EQ(doc.at("machine").at("cpu_model").as_string(), "Test CPU");
    EXPECT_EQ(doc.at("server").at("label").as_string(), "release");
    EXPECT_EQ(doc.at("server").at("ready").at("status").as_string(), "ok");
    EXPECT_DOUBLE_EQ(doc.at("ceiling").at("requests_per_s").as_double(), 50'000);
    EXPECT_DOUBLE_EQ(doc.at("result").at("share_of_ceiling").as_double(), 0.8);
    EXPECT_EQ(doc.at("result").at("statuses").at("200").as_int64(), 400'000);
    for (const char* p : {"p50", "p90", "p99", "p99_9", "max", "mean"}) {
        EXPECT_TRUE(doc.at("result").at("latency_ms").as_object().contains(p)) << p;
    }
    EXPECT_FALSE(doc.as_object().contains("flash_sale"));
}

TEST(Report, TextShowsTheShareOfTheCeiling) {
    std::string text = FormatText(SampleReport());
    EXPECT_NE(text.find("2 cores, Test CPU"), std::string::npos) << text;
    EXPECT_NE(text.find("50,000 req/s"), std::string::npos) << text;
    EXPECT_NE(text.find("80 %"), std::string::npos) << text;
}

TEST(Report, WithoutCeilingTheShareIsZero) {
    Report r = SampleReport();
    r.ceiling.reset();
    EXPECT_EQ(ShareOfCeiling(r, 1000), 0);
    boost::json::value doc = boost::json::parse(FormatJson(r));
    EXPECT_TRUE(doc.at("ceiling").is_null());
}

TEST(Report, AnOversellIsSpelledOut) {
    Report r = SampleReport();
    r.scenario = "flash-sale";
    r.flash_sale = Sale(10, 50, 23);
    EXPECT_NE(FormatText(r).find("OVERSELL"), std::string::npos);
    boost::json::value doc = boost::json::parse(FormatJson(r));
    EXPECT_EQ(doc.at("flash_sale").at("verdict").as_string(), "OVERSELL");
    EXPECT_EQ(doc.at("flash_sale").at("units_sold").as_int64(), 23);
}

}  // namespace
}  // namespace emporium::loadgen
