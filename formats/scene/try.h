// Error propagation helpers for functions returning tf::Status or tf::Result (internal).
#pragma once

#include "kernels/status.h"

// Evaluates `expr` (a Result); on error returns its message from the enclosing function,
// else declares `var` holding the value.
#define TF_TRY(var, expr)                                          \
  auto var##_result_ = (expr);                                     \
  if (!var##_result_) return ::tf::Error{var##_result_.message()}; \
  auto var = std::move(var##_result_.value())

// Evaluates `expr` (a Status); on error returns it from the enclosing function.
#define TF_CHECK(expr)                                   \
  do {                                                   \
    ::tf::Status status_ = (expr);                       \
    if (!status_) return ::tf::Error{status_.message()}; \
  } while (0)
