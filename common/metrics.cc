#include "common/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"

namespace ironorg::metrics {
namespace {

// Logs `message` and aborts. Used only for programming errors, such as a
// metric name registered twice with two meanings, which no caller can
// handle at run time.
[[noreturn]] void Abort(absl::string_view message) {
  { IRONORG_LOG(ERROR) << "metrics: " << message; }
  std::abort();
}

bool IsValidName(absl::string_view name, bool allow_colon) {
  if (name.empty()) {
    return false;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool valid = absl::ascii_isalpha(c) || c == '_' ||
                       (allow_colon && c == ':') ||
                       (i > 0 && absl::ascii_isdigit(c));
    if (!valid) {
      return false;
    }
  }
  return true;
}

void CheckNames(absl::string_view name,
                const std::vector<std::string>& label_names) {
  if (!IsValidName(name, /*allow_colon=*/true)) {
    Abort(absl::StrCat("invalid metric name \"", name,
                       "\"; use [a-zA-Z_:][a-zA-Z0-9_:]*"));
  }
  for (const std::string& label : label_names) {
    if (!IsValidName(label, /*allow_colon=*/false) ||
        absl::StartsWith(label, "__")) {
      Abort(absl::StrCat("invalid label name \"", label, "\" of metric ", name,
                         "; use [a-zA-Z_][a-zA-Z0-9_]* without a leading __"));
    }
  }
}

void AppendSample(absl::string_view value, std::string* out) {
  absl::StrAppend(out, " ", value, "\n");
}

}  // namespace

const std::vector<double>& LatencyBucketsSeconds() {
  static const std::vector<double>* const buckets =
      new std::vector<double>{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                              0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return *buckets;
}

std::string EscapeLabelValue(absl::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '"') {
      escaped += "\\\"";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

std::string EscapeHelp(absl::string_view help) {
  std::string escaped;
  escaped.reserve(help.size());
  for (const char c : help) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  // Without a precision, std::to_chars writes the shortest digits that
  // parse back to the same double. It picks whichever of the fixed and
  // the scientific form is shorter, which prints 0.0005 as 5e-04, so the
  // exponent of the scientific form selects the notation instead.
  char buffer[400];
  const std::to_chars_result scientific = std::to_chars(
      buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  const std::string scientific_text(buffer, scientific.ptr);
  int exponent = 0;
  const size_t e = scientific_text.find('e');
  if (e == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(scientific_text).substr(e + 1),
                        &exponent) ||
      exponent < -4 || exponent >= 21) {
    return scientific_text;
  }
  const std::to_chars_result fixed = std::to_chars(
      buffer, buffer + sizeof(buffer), value, std::chars_format::fixed);
  return std::string(buffer, fixed.ptr);
}

Family::Family(std::string name, std::string help,
               std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)) {}

void Family::Render(std::string* out) const {
  if (!HasSeries()) {
    return;
  }
  absl::StrAppend(out, "# HELP ", name_, " ", EscapeHelp(help_), "\n");
  absl::StrAppend(out, "# TYPE ", name_, " ", type(), "\n");
  RenderSamples(out);
}

void Family::AppendSeriesName(absl::string_view name, const LabelValues& values,
                              absl::string_view extra_label,
                              std::string* out) const {
  out->append(name.data(), name.size());
  if (values.empty() && extra_label.empty()) {
    return;
  }
  std::vector<std::string> pairs;
  pairs.reserve(values.size() + 1);
  for (size_t i = 0; i < values.size(); ++i) {
    pairs.push_back(absl::StrCat(label_names_[i], "=\"",
                                 EscapeLabelValue(values[i]), "\""));
  }
  if (!extra_label.empty()) {
    pairs.emplace_back(extra_label);
  }
  absl::StrAppend(out, "{", absl::StrJoin(pairs, ","), "}");
}

void Family::CheckLabelCount(const LabelValues& values) const {
  if (values.size() != label_names_.size()) {
    Abort(absl::StrCat("metric ", name_, " takes ", label_names_.size(),
                       " label values (", absl::StrJoin(label_names_, ", "),
                       "), got ", values.size()));
  }
}

void Counter::Increment(const LabelValues& labels, uint64_t amount) {
  CheckLabelCount(labels);
  {
    absl::ReaderMutexLock lock(&mutex_);
    auto it = series_.find(labels);
    if (it != series_.end()) {
      it->second->fetch_add(amount, std::memory_order_relaxed);
      return;
    }
  }
  absl::MutexLock lock(&mutex_);
  std::unique_ptr<std::atomic<uint64_t>>& value = series_[labels];
  if (value == nullptr) {
    value = std::make_unique<std::atomic<uint64_t>>(0);
  }
  value->fetch_add(amount, std::memory_order_relaxed);
}

uint64_t Counter::Value(const LabelValues& labels) const {
  absl::ReaderMutexLock lock(&mutex_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second->load(std::memory_order_relaxed);
}

void Counter::RenderSamples(std::string* out) const {
  absl::ReaderMutexLock lock(&mutex_);
  for (const auto& [labels, value] : series_) {
    AppendSeriesName(name(), labels, "", out);
    AppendSample(absl::StrCat(value->load(std::memory_order_relaxed)), out);
  }
}

bool Counter::HasSeries() const {
  absl::ReaderMutexLock lock(&mutex_);
  return !series_.empty();
}

std::atomic<double>* Gauge::FindOrAdd(const LabelValues& labels) {
  CheckLabelCount(labels);
  {
    absl::ReaderMutexLock lock(&mutex_);
    auto it = series_.find(labels);
    if (it != series_.end()) {
      return it->second.get();
    }
  }
  absl::MutexLock lock(&mutex_);
  std::unique_ptr<std::atomic<double>>& value = series_[labels];
  if (value == nullptr) {
    value = std::make_unique<std::atomic<double>>(0);
  }
  return value.get();
}

void Gauge::Set(const LabelValues& labels, double value) {
  FindOrAdd(labels)->store(value, std::memory_order_relaxed);
}

void Gauge::Add(const LabelValues& labels, double delta) {
  std::atomic<double>* value = FindOrAdd(labels);
  // std::atomic<double> has no fetch_add before C++20.
  double current = value->load(std::memory_order_relaxed);
  while (!value->compare_exchange_weak(current, current + delta,
                                       std::memory_order_relaxed)) {
  }
}

double Gauge::Value(const LabelValues& labels) const {
  absl::ReaderMutexLock lock(&mutex_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second->load(std::memory_order_relaxed);
}

void Gauge::RenderSamples(std::string* out) const {
  absl::ReaderMutexLock lock(&mutex_);
  for (const auto& [labels, value] : series_) {
    AppendSeriesName(name(), labels, "", out);
    AppendSample(FormatValue(value->load(std::memory_order_relaxed)), out);
  }
}

bool Gauge::HasSeries() const {
  absl::ReaderMutexLock lock(&mutex_);
  return !series_.empty();
}

Histogram::Histogram(std::string name, std::string help,
                     std::vector<std::string> label_names,
                     std::vector<double> bounds)
    : Family(std::move(name), std::move(help), std::move(label_names)),
      bounds_(std::move(bounds)) {}

void Histogram::Observe(const LabelValues& labels, double value) {
  CheckLabelCount(labels);
  Series* series = nullptr;
  {
    absl::ReaderMutexLock lock(&mutex_);
    auto it = series_.find(labels);
    if (it != series_.end()) {
      series = it->second.get();
    }
  }
  if (series == nullptr) {
    absl::MutexLock lock(&mutex_);
    std::unique_ptr<Series>& added = series_[labels];
    if (added == nullptr) {
      added = std::make_unique<Series>();
      absl::MutexLock series_lock(&added->mutex);
      added->bucket_counts.assign(bounds_.size() + 1, 0);
    }
    series = added.get();
  }

  // lower_bound finds the first bound >= value, so each bound is
  // inclusive, as the label name le ("less or equal") means. NaN compares
  // false with every bound and would land in the first bucket, so it goes
  // to +Inf.
  const size_t bucket =
      std::isnan(value)
          ? bounds_.size()
          : static_cast<size_t>(
                std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                bounds_.begin());
  absl::MutexLock lock(&series->mutex);
  ++series->bucket_counts[bucket];
  series->sum += value;
  ++series->count;
}

const Histogram::Series* Histogram::Find(const LabelValues& labels) const {
  absl::ReaderMutexLock lock(&mutex_);
  auto it = series_.find(labels);
  return it == series_.end() ? nullptr : it->second.get();
}

uint64_t Histogram::Count(const LabelValues& labels) const {
  const Series* series = Find(labels);
  if (series == nullptr) {
    return 0;
  }
  absl::MutexLock lock(&series->mutex);
  return series->count;
}

double Histogram::Sum(const LabelValues& labels) const {
  const Series* series = Find(labels);
  if (series == nullptr) {
    return 0;
  }
  absl::MutexLock lock(&series->mutex);
  return series->sum;
}

void Histogram::RenderSamples(std::string* out) const {
  const std::string bucket_name = absl::StrCat(name(), "_bucket");
  const std::string sum_name = absl::StrCat(name(), "_sum");
  const std::string count_name = absl::StrCat(name(), "_count");

  absl::ReaderMutexLock lock(&mutex_);
  for (const auto& [labels, series] : series_) {
    absl::MutexLock series_lock(&series->mutex);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += series->bucket_counts[i];
      AppendSeriesName(bucket_name, labels,
                       absl::StrCat("le=\"", FormatValue(bounds_[i]), "\""),
                       out);
      AppendSample(absl::StrCat(cumulative), out);
    }
    AppendSeriesName(bucket_name, labels, "le=\"+Inf\"", out);
    AppendSample(absl::StrCat(series->count), out);
    AppendSeriesName(sum_name, labels, "", out);
    AppendSample(FormatValue(series->sum), out);
    AppendSeriesName(count_name, labels, "", out);
    AppendSample(absl::StrCat(series->count), out);
  }
}

bool Histogram::HasSeries() const {
  absl::ReaderMutexLock lock(&mutex_);
  return !series_.empty();
}

Registry& Registry::Default() {
  static Registry* const registry = new Registry();
  return *registry;
}

template <typename Kind>
Kind* Registry::FindExisting(
    absl::string_view name, const std::vector<std::string>& label_names) const {
  auto it = families_.find(name);
  if (it == families_.end()) {
    return nullptr;
  }
  Kind* existing = dynamic_cast<Kind*>(it->second.get());
  if (existing == nullptr || existing->label_names() != label_names) {
    Abort(absl::StrCat("metric ", name, " is already registered as a ",
                       it->second->type(), " with labels (",
                       absl::StrJoin(it->second->label_names(), ", "),
                       "), so it cannot be registered again with labels (",
                       absl::StrJoin(label_names, ", "), ")"));
  }
  return existing;
}

Counter& Registry::AddCounter(absl::string_view name, absl::string_view help,
                              std::vector<std::string> label_names) {
  CheckNames(name, label_names);
  absl::MutexLock lock(&mutex_);
  if (Counter* existing = FindExisting<Counter>(name, label_names)) {
    return *existing;
  }
  const bool unlabelled = label_names.empty();
  auto counter = std::unique_ptr<Counter>(new Counter(
      std::string(name), std::string(help), std::move(label_names)));
  if (unlabelled) {
    counter->Increment({}, 0);
  }
  Counter& result = *counter;
  families_.emplace(std::string(name), std::move(counter));
  return result;
}

Gauge& Registry::AddGauge(absl::string_view name, absl::string_view help,
                          std::vector<std::string> label_names) {
  CheckNames(name, label_names);
  absl::MutexLock lock(&mutex_);
  if (Gauge* existing = FindExisting<Gauge>(name, label_names)) {
    return *existing;
  }
  const bool unlabelled = label_names.empty();
  auto gauge = std::unique_ptr<Gauge>(
      new Gauge(std::string(name), std::string(help), std::move(label_names)));
  if (unlabelled) {
    gauge->Add({}, 0);
  }
  Gauge& result = *gauge;
  families_.emplace(std::string(name), std::move(gauge));
  return result;
}

Histogram& Registry::AddHistogram(absl::string_view name,
                                  absl::string_view help,
                                  std::vector<std::string> label_names,
                                  std::vector<double> bounds) {
  CheckNames(name, label_names);
  if (std::find(label_names.begin(), label_names.end(), "le") !=
      label_names.end()) {
    Abort(absl::StrCat("histogram ", name,
                       " cannot have a label named le, which its buckets "
                       "use"));
  }
  const bool ascending =
      std::adjacent_find(bounds.begin(), bounds.end(),
                         std::greater_equal<double>()) == bounds.end();
  const bool finite =
      std::all_of(bounds.begin(), bounds.end(),
                  [](double bound) { return std::isfinite(bound); });
  if (bounds.empty() || !ascending || !finite) {
    Abort(absl::StrCat("histogram ", name,
                       " needs finite, strictly ascending bucket bounds"));
  }

  absl::MutexLock lock(&mutex_);
  if (Histogram* existing = FindExisting<Histogram>(name, label_names)) {
    if (existing->bounds() != bounds) {
      Abort(absl::StrCat("histogram ", name,
                         " is already registered with other bucket bounds"));
    }
    return *existing;
  }
  const bool unlabelled = label_names.empty();
  auto histogram = std::unique_ptr<Histogram>(
      new Histogram(std::string(name), std::string(help),
                    std::move(label_names), std::move(bounds)));
  if (unlabelled) {
    // Creates the one series with every bucket at 0.
    absl::MutexLock series_lock(&histogram->mutex_);
    auto series = std::make_unique<Histogram::Series>();
    {
      absl::MutexLock counts_lock(&series->mutex);
      series->bucket_counts.assign(histogram->bounds().size() + 1, 0);
    }
    histogram->series_.emplace(LabelValues{}, std::move(series));
  }
  Histogram& result = *histogram;
  families_.emplace(std::string(name), std::move(histogram));
  return result;
}

std::string Registry::Render() const {
  std::string out;
  absl::ReaderMutexLock lock(&mutex_);
  for (const auto& [name, family] : families_) {
    family->Render(&out);
  }
  return out;
}

}  // namespace ironorg::metrics
