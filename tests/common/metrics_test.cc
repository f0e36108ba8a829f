// Tests of the metrics registry and its text exposition format. Each test
// uses a registry of its own, so the output is exact.
#include "common/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace ironorg::metrics {
namespace {

TEST(MetricsTest, CounterRendersHelpTypeAndSeries) {
  Registry registry;
  Counter& calls = registry.AddCounter(
      "test_calls_total", "Calls by method and code.", {"method", "code"});

  calls.Increment({"pkg.Service/Get", "OK"});
  calls.Increment({"pkg.Service/Get", "OK"}, 2);
  calls.Increment({"pkg.Service/Create", "INVALID_ARGUMENT"});

  EXPECT_EQ(registry.Render(),
            "# HELP test_calls_total Calls by method and code.\n"
            "# TYPE test_calls_total counter\n"
            "test_calls_total{method=\"pkg.Service/Create\","
            "code=\"INVALID_ARGUMENT\"} 1\n"
            "test_calls_total{method=\"pkg.Service/Get\",code=\"OK\"} 3\n");
}

TEST(MetricsTest, UnlabelledCounterStartsAtZero) {
  Registry registry;
  registry.AddCounter("test_events_total", "Events.", {});

  EXPECT_EQ(registry.Render(),
            "# HELP test_events_total Events.\n"
            "# TYPE test_events_total counter\n"
            "test_events_total 0\n");
}

TEST(MetricsTest, LabelledFamilyWithoutSeriesRendersNothing) {
  Registry registry;
  registry.AddCounter("test_lookups_total", "Lookups.", {"cache", "result"});

  EXPECT_EQ(registry.Render(), "");
}

TEST(MetricsTest, FamiliesRenderInNameOrder) {
  Registry registry;
  registry.AddGauge("test_b", "B.", {});
  registry.AddGauge("test_a", "A.", {});

  EXPECT_EQ(registry.Render(),
            "# HELP test_a A.\n"
            "# TYPE test_a gauge\n"
            "test_a 0\n"
            "# HELP test_b B.\n"
            "# TYPE test_b gauge\n"
            "test_b 0\n");
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  Registry registry;
  Counter& counter = registry.AddCounter("test_total", "Escaping.", {"value"});

  counter.Increment({"back\\slash \"quoted\"\nnext line"});

  EXPECT_EQ(registry.Render(),
            "# HELP test_total Escaping.\n"
            "# TYPE test_total counter\n"
            "test_total{value=\"back\\\\slash \\\"quoted\\\"\\nnext line\"} "
            "1\n");
}

TEST(MetricsTest, HelpIsEscaped) {
  Registry registry;
  registry.AddCounter("test_total", "Line one\nback\\slash \"kept\".", {});

  EXPECT_EQ(registry.Render(),
            "# HELP test_total Line one\\nback\\\\slash \"kept\".\n"
            "# TYPE test_total counter\n"
            "test_total 0\n");
}

TEST(MetricsTest, GaugeSetAndAdd) {
  Registry registry;
  Gauge& lag = registry.AddGauge("test_lag", "Lag.", {"feed"});

  lag.Set({"identity"}, 7);
  lag.Add({"identity"}, -2.5);
  lag.Add({"projects"}, 3);

  EXPECT_EQ(lag.Value({"identity"}), 4.5);
  EXPECT_EQ(lag.Value({"clusters"}), 0);
  EXPECT_EQ(registry.Render(),
            "# HELP test_lag Lag.\n"
            "# TYPE test_lag gauge\n"
            "test_lag{feed=\"identity\"} 4.5\n"
            "test_lag{feed=\"projects\"} 3\n");
}

TEST(MetricsTest, HistogramRendersCumulativeBuckets) {
  Registry registry;
  Histogram& durations = registry.AddHistogram(
      "test_duration_seconds", "Durations.", {"method"}, {0.0005, 0.25, 2});

  // Binary fractions, so that the sum is exact.
  durations.Observe({"m"}, 0.125);
  durations.Observe({"m"}, 0.25);
  durations.Observe({"m"}, 0.75);
  durations.Observe({"m"}, 3);

  EXPECT_EQ(registry.Render(),
            "# HELP test_duration_seconds Durations.\n"
            "# TYPE test_duration_seconds histogram\n"
            "test_duration_seconds_bucket{method=\"m\",le=\"0.0005\"} 0\n"
            "test_duration_seconds_bucket{method=\"m\",le=\"0.25\"} 2\n"
            "test_duration_seconds_bucket{method=\"m\",le=\"2\"} 3\n"
            "test_duration_seconds_bucket{method=\"m\",le=\"+Inf\"} 4\n"
            "test_duration_seconds_sum{method=\"m\"} 4.125\n"
            "test_duration_seconds_count{method=\"m\"} 4\n");
}

TEST(MetricsTest, UnlabelledHistogramStartsEmpty) {
  Registry registry;
  registry.AddHistogram("test_seconds", "Empty.", {}, {1});

  EXPECT_EQ(registry.Render(),
            "# HELP test_seconds Empty.\n"
            "# TYPE test_seconds histogram\n"
            "test_seconds_bucket{le=\"1\"} 0\n"
            "test_seconds_bucket{le=\"+Inf\"} 0\n"
            "test_seconds_sum 0\n"
            "test_seconds_count 0\n");
}

TEST(MetricsTest, HistogramBoundIsInclusive) {
  Registry registry;
  Histogram& histogram =
      registry.AddHistogram("test_seconds", "Bounds.", {"k"}, {1, 2});

  histogram.Observe({"k"}, 1);
  histogram.Observe({"k"}, std::nextafter(1.0, 2.0));

  EXPECT_EQ(registry.Render(),
            "# HELP test_seconds Bounds.\n"
            "# TYPE test_seconds histogram\n"
            "test_seconds_bucket{k=\"k\",le=\"1\"} 1\n"
            "test_seconds_bucket{k=\"k\",le=\"2\"} 2\n"
            "test_seconds_bucket{k=\"k\",le=\"+Inf\"} 2\n"
            "test_seconds_sum{k=\"k\"} 2\n"
            "test_seconds_count{k=\"k\"} 2\n");
}

TEST(MetricsTest, HistogramCountsNanOnlyInInfBucket) {
  Registry registry;
  Histogram& histogram = registry.AddHistogram("test_seconds", "NaN.", {}, {1});

  histogram.Observe({}, std::numeric_limits<double>::quiet_NaN());

  EXPECT_EQ(registry.Render(),
            "# HELP test_seconds NaN.\n"
            "# TYPE test_seconds histogram\n"
            "test_seconds_bucket{le=\"1\"} 0\n"
            "test_seconds_bucket{le=\"+Inf\"} 1\n"
            "test_seconds_sum NaN\n"
            "test_seconds_count 1\n");
}

TEST(MetricsTest, LatencyBucketsSpanHalfMillisecondToTenSeconds) {
  const std::vector<double>& buckets = LatencyBucketsSeconds();

  ASSERT_FALSE(buckets.empty());
  EXPECT_EQ(buckets.front(), 0.0005);
  EXPECT_EQ(buckets.back(), 10);
  EXPECT_TRUE(std::is_sorted(buckets.begin(), buckets.end()));
}

TEST(MetricsTest, FormatValueUsesPrometheusSpellings) {
  EXPECT_EQ(FormatValue(0.0005), "0.0005");
  EXPECT_EQ(FormatValue(10), "10");
  EXPECT_EQ(FormatValue(-2.5), "-2.5");
  EXPECT_EQ(FormatValue(1e-07), "1e-07");
  EXPECT_EQ(FormatValue(1234567), "1234567");
  EXPECT_EQ(FormatValue(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatValue(1e21), "1e+21");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(MetricsTest, SecondRegistrationReturnsSameFamily) {
  Registry registry;
  Counter& first = registry.AddCounter("test_total", "First.", {"a"});
  Counter& second = registry.AddCounter("test_total", "Second.", {"a"});

  second.Increment({"x"});

  EXPECT_EQ(&first, &second);
  EXPECT_EQ(first.Value({"x"}), 1u);
}

TEST(MetricsDeathTest, RegistrationWithOtherLabelsAborts) {
  Registry registry;
  registry.AddCounter("test_total", "Counter.", {"a"});

  EXPECT_DEATH(registry.AddCounter("test_total", "Counter.", {"b"}),
               "already registered");
}

TEST(MetricsDeathTest, RegistrationWithOtherTypeAborts) {
  Registry registry;
  registry.AddCounter("test_total", "Counter.", {});

  EXPECT_DEATH(registry.AddGauge("test_total", "Gauge.", {}),
               "already registered as a counter");
}

TEST(MetricsDeathTest, InvalidMetricNameAborts) {
  Registry registry;

  EXPECT_DEATH(registry.AddCounter("test-total", "Dash.", {}),
               "invalid metric name");
}

TEST(MetricsDeathTest, WrongNumberOfLabelValuesAborts) {
  Registry registry;
  Counter& counter = registry.AddCounter("test_total", "Two.", {"a", "b"});

  EXPECT_DEATH(counter.Increment({"only one"}), "takes 2 label values");
}

TEST(MetricsDeathTest, HistogramLabelNamedLeAborts) {
  Registry registry;

  EXPECT_DEATH(registry.AddHistogram("test_seconds", "Le.", {"le"}, {1}),
               "label named le");
}

TEST(MetricsTest, ConcurrentUpdatesAreAllCounted) {
  Registry registry;
  Counter& counter = registry.AddCounter("test_total", "Concurrent.", {"k"});
  Histogram& histogram = registry.AddHistogram("test_seconds", "Concurrent.",
                                               {"k"}, LatencyBucketsSeconds());
  Gauge& gauge = registry.AddGauge("test_gauge", "Concurrent.", {"k"});
  constexpr int kThreads = 8;
  constexpr int kUpdates = 2000;

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Half the threads share one series and half create their own, so
      // both the lookup and the insertion path race with rendering.
      const std::string key = t % 2 == 0 ? "shared" : std::to_string(t);
      for (int i = 0; i < kUpdates; ++i) {
        counter.Increment({key});
        histogram.Observe({key}, 0.001);
        gauge.Add({key}, 1);
        if (i % 500 == 0) {
          registry.Render();
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  EXPECT_EQ(counter.Value({"shared"}), uint64_t{kThreads / 2 * kUpdates});
  EXPECT_EQ(histogram.Count({"shared"}), uint64_t{kThreads / 2 * kUpdates});
  EXPECT_EQ(gauge.Value({"shared"}), kThreads / 2 * kUpdates);
  EXPECT_EQ(counter.Value({"1"}), uint64_t{kUpdates});
}

}  // namespace
}  // namespace ironorg::metrics
