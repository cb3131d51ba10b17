#pragma once
/// The Keras tier in one include: layers, models, losses, metrics, optimizers, callbacks.
/// See docs/keras_tier.md.
#include "dl/highlevel/activations.h"
#include "dl/highlevel/backend.h"
#include "dl/highlevel/callbacks.h"
#include "dl/highlevel/initializers.h"
#include "dl/highlevel/layer.h"
#include "dl/highlevel/layers/convolutional.h"
#include "dl/highlevel/layers/core.h"
#include "dl/highlevel/layers/merging.h"
#include "dl/highlevel/layers/normalization.h"
#include "dl/highlevel/losses.h"
#include "dl/highlevel/metrics.h"
#include "dl/highlevel/model.h"
#include "dl/highlevel/optimizers.h"
#include "dl/highlevel/progbar.h"
#include "dl/highlevel/regularizers.h"
#include "dl/highlevel/utils.h"
