// A small registry of Prometheus metrics: counters, gauges and histograms
// with labels, rendered in the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// Usage:
//   metrics::Counter& lookups = metrics::Registry::Default().AddCounter(
//       "ironorg_gateway_cache_lookups_total",
//       "Gateway cache lookups by cache and result.", {"cache", "result"});
//   lookups.Increment({"token", "hit"});
//
// Names follow the Prometheus naming guide: an "ironorg_" prefix, the unit
// in base units as a suffix (_seconds), and _total on counters.
//
// Thread-safe: every method may be called from any thread. A family
// returned by Registry::Add* lives as long as its registry, and the
// default registry is never destroyed.
#ifndef IRONORG_COMMON_METRICS_H_
#define IRONORG_COMMON_METRICS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace ironorg::metrics {

// The Content-Type of a response holding Render's output.
inline constexpr char kTextContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

// The values of one series' labels, in the order of its family's label
// names.
using LabelValues = std::vector<std::string>;

// The bucket upper bounds used for call latencies, in seconds: 0.0005 to
// 10. An observation above 10 s is counted only in the +Inf bucket.
const std::vector<double>& LatencyBucketsSeconds();

// Returns `value` escaped for a label value in the text format: backslash,
// double quote and line feed become \\, \" and \n.
std::string EscapeLabelValue(absl::string_view value);

// Returns `help` escaped for a # HELP line: backslash and line feed become
// \\ and \n.
std::string EscapeHelp(absl::string_view help);

// Formats a sample value as the text format expects: "+Inf", "-Inf",
// "NaN", or the fewest digits that read back as the same double. Values
// from 1e-4 up to 1e21 use fixed-point notation ("0.0005", "1234567"),
// and others scientific notation ("1e-07").
std::string FormatValue(double value);

// The part shared by every kind of metric: a name, a help text and label
// names, with one series per distinct set of label values.
class Family {
 public:
  virtual ~Family() = default;

  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // The type on the # TYPE line: "counter", "gauge" or "histogram".
  virtual absl::string_view type() const = 0;

  // Appends the # HELP and # TYPE lines and one sample line per series,
  // or nothing while the family has no series.
  void Render(std::string* out) const;

 protected:
  Family(std::string name, std::string help,
         std::vector<std::string> label_names);

  // Appends the sample lines of every series.
  virtual void RenderSamples(std::string* out) const = 0;

  // Returns true when the family has at least one series.
  virtual bool HasSeries() const = 0;

  // Appends `name`, the labels `values` under the family's label names,
  // then `extra_label` (such as le="0.5") when not empty.
  void AppendSeriesName(absl::string_view name, const LabelValues& values,
                        absl::string_view extra_label, std::string* out) const;

  // Aborts with a message naming the family when `values` does not have
  // one value per label name, because that is a programming error.
  void CheckLabelCount(const LabelValues& values) const;

 private:
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
};

// A value that only goes up, such as a number of calls.
class Counter final : public Family {
 public:
  absl::string_view type() const override { return "counter"; }

  // Adds `amount` to the series of `labels`, creating it at 0 first.
  // REQUIRES: one value per label name.
  void Increment(const LabelValues& labels, uint64_t amount = 1);

  // Returns the value of the series of `labels`, 0 if it does not exist.
  uint64_t Value(const LabelValues& labels) const;

 private:
  friend class Registry;
  using Family::Family;

  void RenderSamples(std::string* out) const override;
  bool HasSeries() const override;

  mutable absl::Mutex mutex_;
  // A std::map keeps the series in label order and never moves a value,
  // so an increment needs the mutex only to find its series.
  std::map<LabelValues, std::unique_ptr<std::atomic<uint64_t>>> series_
      ABSL_GUARDED_BY(mutex_);
};

// A value that goes up and down, such as how far a consumer is behind.
class Gauge final : public Family {
 public:
  absl::string_view type() const override { return "gauge"; }

  // Sets the series of `labels` to `value`, creating it first.
  // REQUIRES: one value per label name.
  void Set(const LabelValues& labels, double value);

  // Adds `delta` (which may be negative) to the series of `labels`,
  // creating it at 0 first. REQUIRES: one value per label name.
  void Add(const LabelValues& labels, double delta);

  // Returns the value of the series of `labels`, 0 if it does not exist.
  double Value(const LabelValues& labels) const;

 private:
  friend class Registry;
  using Family::Family;

  void RenderSamples(std::string* out) const override;
  bool HasSeries() const override;
  std::atomic<double>* FindOrAdd(const LabelValues& labels);

  mutable absl::Mutex mutex_;
  std::map<LabelValues, std::unique_ptr<std::atomic<double>>> series_
      ABSL_GUARDED_BY(mutex_);
};

// Observations counted into buckets with fixed upper bounds, such as call
// latencies. Rendered as cumulative _bucket{le="..."} lines ending with
// le="+Inf", then _sum and _count.
class Histogram final : public Family {
 public:
  absl::string_view type() const override { return "histogram"; }

  // Counts `value` in the first bucket whose upper bound is at least
  // `value` (bounds are inclusive), and adds it to the sum. A NaN is
  // counted only in the +Inf bucket. REQUIRES: one value per label name.
  void Observe(const LabelValues& labels, double value);

  // Returns the number of observations of the series of `labels`, 0 if it
  // does not exist.
  uint64_t Count(const LabelValues& labels) const;

  // Returns the sum of the observations of the series of `labels`.
  double Sum(const LabelValues& labels) const;

  // The bucket upper bounds, ascending, without +Inf.
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  friend class Registry;
  struct Series {
    mutable absl::Mutex mutex;
    // Observations per bucket (not cumulative); the last one is +Inf.
    std::vector<uint64_t> bucket_counts ABSL_GUARDED_BY(mutex);
    double sum ABSL_GUARDED_BY(mutex) = 0;
    uint64_t count ABSL_GUARDED_BY(mutex) = 0;
  };

  Histogram(std::string name, std::string help,
            std::vector<std::string> label_names, std::vector<double> bounds);

  void RenderSamples(std::string* out) const override;
  bool HasSeries() const override;
  const Series* Find(const LabelValues& labels) const;

  const std::vector<double> bounds_;
  mutable absl::Mutex mutex_;
  std::map<LabelValues, std::unique_ptr<Series>> series_
      ABSL_GUARDED_BY(mutex_);
};

// A set of metric families rendered together.
class Registry final {
 public:
  Registry() = default;

  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The process-wide registry that the admin port's /metrics serves.
  static Registry& Default();

  // Returns the counter `name`, registering it on first use. A family
  // without labels starts with its one series at 0, so it is rendered
  // before anything counts. Registering the same name again with the same
  // type and label names returns the same family, so independent callers
  // may each register what they use.
  // REQUIRES: `name` matches [a-zA-Z_:][a-zA-Z0-9_:]* and each label name
  // [a-zA-Z_][a-zA-Z0-9_]* without a leading "__". A name registered
  // before with another type or other label names aborts the process,
  // because two meanings of one name is a programming error.
  Counter& AddCounter(absl::string_view name, absl::string_view help,
                      std::vector<std::string> label_names);

  // As AddCounter, for a gauge.
  Gauge& AddGauge(absl::string_view name, absl::string_view help,
                  std::vector<std::string> label_names);

  // As AddCounter, for a histogram with the bucket upper bounds `bounds`.
  // REQUIRES: `bounds` is not empty, strictly ascending and finite, and no
  // label is named "le". A second registration must have the same bounds.
  Histogram& AddHistogram(absl::string_view name, absl::string_view help,
                          std::vector<std::string> label_names,
                          std::vector<double> bounds);

  // Returns every family with at least one series, ordered by name, in
  // the text exposition format 0.0.4. Series are ordered by label values.
  std::string Render() const;

 private:
  // Returns the family `name` if it exists with the type of `Kind` and
  // `label_names`, nullptr if it does not exist, and aborts otherwise.
  template <typename Kind>
  Kind* FindExisting(absl::string_view name,
                     const std::vector<std::string>& label_names) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  mutable absl::Mutex mutex_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_
      ABSL_GUARDED_BY(mutex_);
};

}  // namespace ironorg::metrics

#endif  // IRONORG_COMMON_METRICS_H_
