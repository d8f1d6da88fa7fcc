// Every tensor op (docs/ops.md is the contract): include this to get them all.
#pragma once

#include "core/ops/activation.h"
#include "core/ops/attention.h"
#include "core/ops/concat.h"
#include "core/ops/contrastive_loss.h"
#include "core/ops/dropout.h"
#include "core/ops/elementwise.h"
#include "core/ops/embedding.h"
#include "core/ops/loss.h"
#include "core/ops/preference_loss.h"
#include "core/ops/matmul.h"
#include "core/ops/norm.h"
#include "core/ops/ppo_loss.h"
#include "core/ops/reduce.h"
#include "core/ops/rnn_stack.h"  // lstm.h, gru.h
#include "core/ops/rope.h"
#include "core/ops/softmax.h"
