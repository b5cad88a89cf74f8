#include "resilience/load_shedder.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace emporium::resilience {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

LoadShedderSettings Small() {
    LoadShedderSettings settings;
    settings.initial_limit = 10;
    settings.min_limit = 2;
    settings.max_limit = 100;
    settings.window = milliseconds(1);
    settings.min_window_samples = 1;
    settings.shares = {1.0, 0.5};
    return settings;
}

TEST(LoadShedder, TheLessImportantClassIsShedFirstAndTheImportantOneKeepsItsHeadroom) {
    LoadShedder shedder(Small());
    int browse = 0;
    while (shedder.Admit(1)) ++browse;
    EXPECT_EQ(browse, 5);  // half the limit
    int checkout = 0;
    while (shedder.Admit(0)) ++checkout;
    EXPECT_EQ(checkout, 5);  // the rest is checkout's alone
    auto stats = shedder.stats();
    EXPECT_EQ(stats.in_flight, 10);
    EXPECT_EQ(stats.admitted, (std::vector<uint64_t>{5, 5}));
    EXPECT_EQ(stats.shed, (std::vector<uint64_t>{1, 1}));
    // Browsing counts what is in service of every class: it is back once the total is under its share.
    shedder.Finish(1, microseconds(100), microseconds(100));
    EXPECT_FALSE(shedder.Admit(1));
    for (int i = 0; i < 5; ++i) shedder.Finish(0, microseconds(100), microseconds(100));
    EXPECT_TRUE(shedder.Admit(1));
}

// Runs `rounds` windows in which `concurrency` requests are admitted, wait `latency` and take 1 ms.
void Drive(LoadShedder& shedder, int rounds, int concurrency, microseconds latency, bool overloaded = false) {
    for (int round = 0; round < rounds; ++round) {
        int admitted = 0;
        for (int i = 0; i < concurrency; ++i) admitted += shedder.Admit(0) ? 1 : 0;
        std::this_thread::sleep_for(milliseconds(2));  // let the window close
        for (int i = 0; i < admitted; ++i) shedder.Finish(0, latency, microseconds(1'000), overloaded);
    }
}

TEST(LoadShedder, APriorityWithShareZeroIsNeverShedButCounts) {
    LoadShedderSettings settings = Small();
    settings.shares = {0, 0.5};
    LoadShedder shedder(settings);
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(shedder.Admit(0));
    EXPECT_EQ(shedder.stats().in_flight, 50);
    EXPECT_FALSE(shedder.Admit(1));  // what it holds counts against the others
}

TEST(LoadShedder, TheLimitFallsWhileEveryRequestQueuesAndRisesWhenTheQueueDrains) {
    LoadShedder shedder(Small());
    Drive(shedder, 5, 10, microseconds(100));  // no standing queue, the limit in use: it grows
    int grown = shedder.stats().limit;
    EXPECT_GT(grown, 10);
    Drive(shedder, 10, 100, microseconds(20'000));  // every request waited 20 ms: a standing queue
    int cut = shedder.stats().limit;
    EXPECT_LT(cut, grown);
    EXPECT_NEAR(shedder.stats().last_min_queue_delay_ms, 20.0, 0.01);
    Drive(shedder, 10, 100, microseconds(100));
    EXPECT_GT(shedder.stats().limit, cut);
}

TEST(LoadShedder, OneQuickRequestInAWindowMeansTheQueueDrained) {
    LoadShedder shedder(Small());
    int before = shedder.stats().limit;
    for (int round = 0; round < 5; ++round) {
        for (int i = 0; i < 10; ++i) ASSERT_TRUE(shedder.Admit(0));
        std::this_thread::sleep_for(milliseconds(2));
        shedder.Finish(0, microseconds(10), microseconds(1'000));  // the queue drained once...
        for (int i = 0; i < 9; ++i) shedder.Finish(0, microseconds(30'000), microseconds(1'000));  // ...a burst waited
    }
    EXPECT_GE(shedder.stats().limit, before);
}

TEST(LoadShedder, AWaitShorterThanTheWorkItselfIsNoOverload) {
    LoadShedder shedder(Small());
    int before = shedder.stats().limit;
    for (int round = 0; round < 5; ++round) {
        for (int i = 0; i < 10; ++i) ASSERT_TRUE(shedder.Admit(0));
        std::this_thread::sleep_for(milliseconds(2));
        for (int i = 0; i < 10; ++i) shedder.Finish(0, microseconds(8'000), microseconds(10'000));
    }
    int grown = shedder.stats().limit;
    EXPECT_GE(grown, before);
    for (int round = 0; round < 5; ++round) {
        int admitted = 0;
        while (shedder.Admit(0)) ++admitted;
        std::this_thread::sleep_for(milliseconds(2));
        for (int i = 0; i < admitted; ++i) shedder.Finish(0, microseconds(25'000), microseconds(10'000));
    }
    EXPECT_LT(shedder.stats().limit, grown);
}

// `concurrency` requests of priority 0 at once, each serving `service` without waiting.
void DriveService(LoadShedder& shedder, int rounds, int concurrency, microseconds service) {
    for (int round = 0; round < rounds; ++round) {
        int admitted = 0;
        for (int i = 0; i < concurrency; ++i) admitted += shedder.Admit(0) ? 1 : 0;
        std::this_thread::sleep_for(milliseconds(2));
        for (int i = 0; i < admitted; ++i) shedder.Finish(0, microseconds(10), service);
    }
}

TEST(LoadShedder, WorkSlowingDownWithManyInServiceCutsTheLimit) {
    LoadShedderSettings settings = Small();
    settings.max_limit = 1000;
    settings.initial_limit = 1000;
    settings.shares = {1.0};
    LoadShedder shedder(settings);
    DriveService(shedder, 3, 50, microseconds(200));  // the baseline: 0.2 ms
    int before = shedder.stats().limit;
    // Fifty in service, each ten times slower, and no queue: the cores are overrun.
    DriveService(shedder, 5, 50, microseconds(2'000));
    EXPECT_LT(shedder.stats().limit, before);
    EXPECT_NEAR(shedder.stats().last_slowdown, 10.0, 0.5);
}

TEST(LoadShedder, ABurstWorkedOffWithinAFewWindowsIsNoOverload) {
    LoadShedderSettings settings = Small();
    settings.max_limit = 1000;
    settings.initial_limit = 1000;
    settings.shares = {1.0};
    LoadShedder shedder(settings);
    DriveService(shedder, 3, 50, microseconds(200));
    int before = shedder.stats().limit;
    // Slow for fewer windows in a row than it takes (the first window of the burst is
    // mostly the quick round before it), then quick again.
    DriveService(shedder, 2, 50, microseconds(2'000));
    DriveService(shedder, 2, 50, microseconds(200));
    EXPECT_GE(shedder.stats().limit, before);
}

TEST(LoadShedder, SlowWorkWithFewInServiceIsNoOverload) {
    LoadShedderSettings settings = Small();
    settings.shares = {1.0};
    LoadShedder shedder(settings);
    DriveService(shedder, 3, 4, microseconds(200));
    int before = shedder.stats().limit;
    DriveService(shedder, 5, 4, microseconds(2'000));  // a slow disk, say: four in service
    EXPECT_GE(shedder.stats().limit, before);
    EXPECT_EQ(shedder.stats().last_slowdown, 0);
}

TEST(LoadShedder, AMixMovingToCostlierWorkIsNoSlowdown) {
    LoadShedderSettings settings = Small();
    settings.max_limit = 1000;
    settings.initial_limit = 1000;
    settings.shares = {1.0, 1.0};
    LoadShedder shedder(settings);
    auto drive = [&](int cheap, int costly) {
        for (int round = 0; round < 3; ++round) {
            for (int i = 0; i < cheap; ++i) ASSERT_TRUE(shedder.Admit(0));
            for (int i = 0; i < costly; ++i) ASSERT_TRUE(shedder.Admit(1));
            std::this_thread::sleep_for(milliseconds(2));
            for (int i = 0; i < cheap; ++i) shedder.Finish(0, microseconds(10), microseconds(100));
            for (int i = 0; i < costly; ++i) shedder.Finish(1, microseconds(10), microseconds(5'000));
        }
    };
    drive(45, 5);
    int before = shedder.stats().limit;
    drive(5, 45);  // the mean service time grew ten-fold; each class's did not
    EXPECT_GE(shedder.stats().limit, before);
    EXPECT_NEAR(shedder.stats().last_slowdown, 1.0, 0.2);
}

TEST(LoadShedder, ACapacityRefusalCutsTheLimitWhateverTheLatency) {
    LoadShedder shedder(Small());
    Drive(shedder, 1, 10, microseconds(100));
    int before = shedder.stats().limit;
    Drive(shedder, 3, 10, microseconds(100), /*overloaded=*/true);
    EXPECT_LT(shedder.stats().limit, before);
    Drive(shedder, 100, 100, microseconds(20'000), true);
    EXPECT_EQ(shedder.stats().limit, 2);  // never below the floor
}

}  // namespace
}  // namespace emporium::resilience
