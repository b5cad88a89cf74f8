#pragma once

#include <memory>
#include <utility>

namespace emporium::runtime {

// A move-only `void()` callable (std::move_only_function is C++23): it can own
// move-only state such as a coroutine's completion handler.
class UniqueFunction {
  public:
    UniqueFunction() = default;
    template <typename F>
    UniqueFunction(F f) : callable_(std::make_unique<Model<F>>(std::move(f))) {}  // NOLINT(google-explicit-constructor)

    void operator()() { callable_->Call(); }
    explicit operator bool() const { return static_cast<bool>(callable_); }

  private:
    struct Concept {
        virtual ~Concept() = default;
        virtual void Call() = 0;
    };
    template <typename F>
    struct Model final : Concept {
        explicit Model(F f) : f(std::move(f)) {}
        void Call() override { f(); }
        F f;
    };
    std::unique_ptr<Concept> callable_;
};

}  // namespace emporium::runtime
