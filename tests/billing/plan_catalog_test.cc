#include "services/billing/plan_catalog.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "services/billing/products.h"

namespace ironorg::billing {
namespace {

namespace v1 = ::ironorg::billing::v1;
using ::testing::HasSubstr;

// The default catalog as a proto, for tests that break one thing in it.
v1::PlanCatalog DefaultCatalogProto() {
  v1::PlanCatalog catalog;
  const bool parsed = google::protobuf::TextFormat::ParseFromString(
      std::string(DefaultPlanCatalogText()), &catalog);
  EXPECT_TRUE(parsed);
  return catalog;
}

v1::Plan* FindPlan(v1::PlanCatalog& catalog, const std::string& name) {
  for (v1::Plan& plan : *catalog.mutable_plans()) {
    if (plan.name() == name) {
      return &plan;
    }
  }
  ADD_FAILURE() << "the default catalog has no " << name;
  return nullptr;
}

TEST(PlanCatalogTest, DefaultLoads) {
  absl::StatusOr<PlanCatalog> catalog = PlanCatalog::Default();

  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_FALSE(catalog->version().empty());
  for (v1::Product product : AllProducts()) {
    int plans_of_product = 0;
    for (const v1::Plan& plan : catalog->plans()) {
      if (plan.product() == product) {
        ++plans_of_product;
      }
    }
    EXPECT_GE(plans_of_product, 2) << v1::Product_Name(product);
    EXPECT_EQ(catalog->FreePlan(product).monthly_price_cents(), 0);
  }
}

TEST(PlanCatalogTest, DefaultHasNamedFreePlans) {
  absl::StatusOr<PlanCatalog> catalog = PlanCatalog::Default();
  ASSERT_TRUE(catalog.ok()) << catalog.status();

  EXPECT_EQ(catalog->FreePlan(v1::PRODUCT_IRON_WORKER).name(),
            "plans/iron-worker-free");
  EXPECT_EQ(catalog->FreePlan(v1::PRODUCT_IRON_MQ).name(),
            "plans/iron-mq-free");
  EXPECT_EQ(catalog->FreePlan(v1::PRODUCT_IRON_CACHE).name(),
            "plans/iron-cache-free");
}

TEST(PlanCatalogTest, PlansOrderedByProductThenPrice) {
  absl::StatusOr<PlanCatalog> catalog = PlanCatalog::Default();
  ASSERT_TRUE(catalog.ok()) << catalog.status();

  const auto& plans = catalog->plans();
  for (size_t i = 1; i < plans.size(); ++i) {
    const v1::Plan& previous = plans[i - 1];
    const v1::Plan& current = plans[i];
    ASSERT_LE(previous.product(), current.product()) << current.name();
    if (previous.product() == current.product()) {
      EXPECT_LE(previous.monthly_price_cents(), current.monthly_price_cents())
          << current.name();
    }
  }
}

TEST(PlanCatalogTest, PlansCarryCatalogVersion) {
  absl::StatusOr<PlanCatalog> catalog = PlanCatalog::Default();
  ASSERT_TRUE(catalog.ok()) << catalog.status();

  for (const v1::Plan& plan : catalog->plans()) {
    EXPECT_EQ(plan.catalog_version(), catalog->version()) << plan.name();
  }
}

TEST(PlanCatalogTest, RejectsDuplicateName) {
  v1::PlanCatalog proto = DefaultCatalogProto();
  v1::Plan copy = *FindPlan(proto, "plans/iron-mq-launch");
  copy.set_monthly_price_cents(9900);
  *proto.add_plans() = copy;

  absl::StatusOr<PlanCatalog> catalog = PlanCatalog::FromProto(proto);

  ASSERT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(catalog.status().message(), HasSubstr("plans/iron-mq-launch"));
  EXPECT_THAT(catalog.status().message(), HasSubstr("already used"));
}

TEST(PlanCatalogTest, RejectsProductWithoutFreePlan) {
  v1::PlanCatalog proto = DefaultCatalogProto();
  FindPlan(proto, "plans/iron-cache-free")->set_monthly_price_cents(500);

  absl::StatusOr<PlanCatalog> catalog = PlanCatalog::FromProto(proto);

  ASSERT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(catalog.status().message(), HasSubstr("PRODUCT_IRON_CACHE"));
  EXPECT_THAT(catalog.status().message(), HasSubstr("no free plan"));
}

TEST(PlanCatalogTest, RejectsTwoFreePlansOfOneProduct) {
  v1::PlanCatalog proto = DefaultCatalogProto();
  FindPlan(proto, "plans/iron-mq-launch")->set_monthly_price_cents(0);

  absl::StatusOr<PlanCatalog> catalog = PlanCatalog::FromProto(proto);

  ASSERT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(catalog.status().message(), HasSubstr("plans/iron-mq-free"));
  EXPECT_THAT(catalog.status().message(), HasSubstr("plans/iron-mq-launch"));
}

TEST(PlanCatalogTest, RejectsLimitsOfAnotherProduct) {
  v1::PlanCatalog proto = DefaultCatalogProto();
  v1::Plan* plan = FindPlan(proto, "plans/iron-worker-launch");
  plan->mutable_iron_cache_limits()->set_cache_size_mb(100);
  plan->mutable_iron_cache_limits()->set_api_requests_per_month(1000);

  absl::StatusOr<PlanCatalog> catalog = PlanCatalog::FromProto(proto);

  ASSERT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(catalog.status().message(),
              HasSubstr("plans/iron-worker-launch"));
  EXPECT_THAT(catalog.status().message(), HasSubstr("iron_worker_limits"));
  EXPECT_THAT(catalog.status().message(), HasSubstr("iron_cache_limits"));
}

TEST(PlanCatalogTest, RejectsMissingLimits) {
  v1::PlanCatalog proto = DefaultCatalogProto();
  FindPlan(proto, "plans/iron-mq-free")->clear_limits();

  absl::StatusOr<PlanCatalog> catalog = PlanCatalog::FromProto(proto);

  ASSERT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(catalog.status().message(), HasSubstr("plans/iron-mq-free"));
  EXPECT_THAT(catalog.status().message(), HasSubstr("iron_mq_limits"));
}

TEST(PlanCatalogTest, RejectsPriorityOutOfRange) {
  v1::PlanCatalog proto = DefaultCatalogProto();
  FindPlan(proto, "plans/iron-worker-professional")
      ->mutable_iron_worker_limits()
      ->set_highest_priority(3);

  absl::StatusOr<PlanCatalog> catalog = PlanCatalog::FromProto(proto);

  ASSERT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(catalog.status().message(),
              HasSubstr("plans/iron-worker-professional"));
  EXPECT_THAT(catalog.status().message(),
              HasSubstr("iron_worker_limits.highest_priority must be 0 to 2"));
}

TEST(PlanCatalogTest, RejectsNegativePrice) {
  v1::PlanCatalog proto = DefaultCatalogProto();
  FindPlan(proto, "plans/iron-cache-launch")->set_monthly_price_cents(-1);

  absl::StatusOr<PlanCatalog> catalog = PlanCatalog::FromProto(proto);

  ASSERT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(catalog.status().message(), HasSubstr("plans/iron-cache-launch"));
  EXPECT_THAT(catalog.status().message(), HasSubstr("monthly_price_cents"));
}

TEST(PlanCatalogTest, RejectsMalformedName) {
  v1::PlanCatalog proto = DefaultCatalogProto();
  FindPlan(proto, "plans/iron-mq-launch")->set_name("plans/Iron_MQ");

  absl::StatusOr<PlanCatalog> catalog = PlanCatalog::FromProto(proto);

  ASSERT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(catalog.status().message(), HasSubstr("plans/Iron_MQ"));
  EXPECT_THAT(catalog.status().message(), HasSubstr("plans/{plan}"));
}

TEST(PlanCatalogTest, RejectsUnspecifiedProduct) {
  v1::PlanCatalog proto = DefaultCatalogProto();
  FindPlan(proto, "plans/iron-mq-launch")->set_product(v1::PRODUCT_UNSPECIFIED);

  absl::StatusOr<PlanCatalog> catalog = PlanCatalog::FromProto(proto);

  ASSERT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(catalog.status().message(), HasSubstr("plans/iron-mq-launch"));
  EXPECT_THAT(catalog.status().message(), HasSubstr("product must be"));
}

TEST(PlanCatalogTest, RejectsMissingVersion) {
  v1::PlanCatalog proto = DefaultCatalogProto();
  proto.clear_version();

  absl::StatusOr<PlanCatalog> catalog = PlanCatalog::FromProto(proto);

  ASSERT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(catalog.status().message(), HasSubstr("version"));
}

TEST(PlanCatalogTest, RejectsTextSyntaxErrorWithLine) {
  absl::StatusOr<PlanCatalog> catalog =
      PlanCatalog::FromText("version: \"1\"\nplans { nmae: \"plans/x\" }\n");

  ASSERT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(catalog.status().message(), HasSubstr("line 2"));
  EXPECT_THAT(catalog.status().message(), HasSubstr("nmae"));
}

TEST(PlanCatalogTest, FromFileLoadsValidCatalog) {
  const std::string path = testing::TempDir() + "valid_catalog.textproto";
  {
    std::ofstream out(path, std::ios::trunc);
    out << DefaultPlanCatalogText();
  }

  absl::StatusOr<PlanCatalog> catalog = PlanCatalog::FromFile(path);

  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->plans().size(), PlanCatalog::Default()->plans().size());
  std::remove(path.c_str());
}

TEST(PlanCatalogTest, FromFileErrorNamesPath) {
  const std::string path = testing::TempDir() + "invalid_catalog.textproto";
  {
    std::ofstream out(path, std::ios::trunc);
    out << "version: \"custom\"\n";
  }

  absl::StatusOr<PlanCatalog> catalog = PlanCatalog::FromFile(path);

  ASSERT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(catalog.status().message(), HasSubstr(path));
  EXPECT_THAT(catalog.status().message(), HasSubstr("no free plan"));
  std::remove(path.c_str());
}

TEST(PlanCatalogTest, FromFileRejectsMissingFile) {
  absl::StatusOr<PlanCatalog> catalog =
      PlanCatalog::FromFile(testing::TempDir() + "no-such-catalog.textproto");

  EXPECT_EQ(catalog.status().code(), absl::StatusCode::kFailedPrecondition);
}

// The limits each product's plans state, by field of its limits message.
TEST(PlanCatalogTest, DefaultPlansStateEveryLimit) {
  const struct {
    v1::Product product;
    std::vector<std::string> fields;
  } expected[] = {
      {v1::PRODUCT_IRON_WORKER,
       {"concurrent_tasks", "compute_hours_per_month",
        "max_task_run_time_seconds", "scheduled_jobs", "highest_priority"}},
      {v1::PRODUCT_IRON_MQ, {"api_requests_per_month", "max_message_size_kb"}},
      {v1::PRODUCT_IRON_CACHE, {"cache_size_mb", "api_requests_per_month"}},
  };
  absl::StatusOr<PlanCatalog> catalog = PlanCatalog::Default();
  ASSERT_TRUE(catalog.ok()) << catalog.status();

  for (const auto& [product, fields] : expected) {
    int plans = 0;
    for (const v1::Plan& plan : catalog->plans()) {
      if (plan.product() != product) {
        continue;
      }
      ++plans;
      const google::protobuf::Reflection* reflection = plan.GetReflection();
      const google::protobuf::FieldDescriptor* limits_field =
          plan.GetDescriptor()->FindFieldByNumber(
              static_cast<int>(plan.limits_case()));
      ASSERT_NE(limits_field, nullptr) << plan.name();
      const google::protobuf::Message& limits =
          reflection->GetMessage(plan, limits_field);
      for (const std::string& field_name : fields) {
        const google::protobuf::FieldDescriptor* field =
            limits.GetDescriptor()->FindFieldByName(field_name);
        ASSERT_NE(field, nullptr) << plan.name() << " " << field_name;
        // The highest priority of a free plan is 0; every other limit is
        // a positive amount.
        if (field_name == "highest_priority") {
          continue;
        }
        const int64_t value =
            field->cpp_type() ==
                    google::protobuf::FieldDescriptor::CPPTYPE_INT64
                ? limits.GetReflection()->GetInt64(limits, field)
                : limits.GetReflection()->GetInt32(limits, field);
        EXPECT_GT(value, 0) << plan.name() << " " << field_name;
      }
    }
    EXPECT_GE(plans, 2) << v1::Product_Name(product);
  }
}

TEST(PlanCatalogTest, FromFileServesItsVersion) {
  const std::string path = testing::TempDir() + "versioned_catalog.textproto";
  v1::PlanCatalog proto = DefaultCatalogProto();
  proto.set_version("2027-01-15");
  v1::Plan* launch = FindPlan(proto, "plans/iron-mq-launch");
  ASSERT_NE(launch, nullptr);
  launch->set_monthly_price_cents(5900);
  {
    std::string text;
    ASSERT_TRUE(google::protobuf::TextFormat::PrintToString(proto, &text));
    std::ofstream out(path, std::ios::trunc);
    out << text;
  }

  absl::StatusOr<PlanCatalog> catalog = PlanCatalog::FromFile(path);

  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->version(), "2027-01-15");
  const v1::Plan* served = catalog->Find("plans/iron-mq-launch");
  ASSERT_NE(served, nullptr);
  EXPECT_EQ(served->monthly_price_cents(), 5900);
  EXPECT_EQ(served->catalog_version(), "2027-01-15");
  std::remove(path.c_str());
}

TEST(PlanCatalogTest, FindReturnsPlanOrNull) {
  absl::StatusOr<PlanCatalog> catalog = PlanCatalog::Default();
  ASSERT_TRUE(catalog.ok()) << catalog.status();

  const v1::Plan* plan = catalog->Find("plans/iron-mq-launch");
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->product(), v1::PRODUCT_IRON_MQ);
  EXPECT_EQ(catalog->Find("plans/no-such-plan"), nullptr);
}

}  // namespace
}  // namespace ironorg::billing
