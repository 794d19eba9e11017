import CNetworkKernels

/// A network's first convolution on one channel (a spectrogram), its ReLU and the 2 × 2 max
/// pooling after it, run as one pass of direct kernels where the number type has them
/// (`NetworkScalar.fusesConvolutionAndPooling`; oneDNN fuses a post-op the same way): the
/// full-resolution activations, the network's largest arrays, are never written, and the
/// backward pass keeps one byte per pooled value. The values and gradients are those of the
/// two layers run one after the other, because ReLU and max commute and a window whose maximum
/// is not positive passes no gradient either way. Computes no input gradient (a first layer's).
final class ConvolutionPooling<T: NetworkScalar>: @unchecked Sendable {
  let convolution: Conv2D<T>
  /// In training, the input (the weight gradient convolves it again) and each pooled value's
  /// window position (`genrekit_conv_pool_forward`'s codes).
  private var input: [T] = []
  private var codes: [UInt8] = []
  private var inputShape: [Int] = []

  /// The fused pass for `convolution` followed by `pooling`, or nil where it does not apply.
  init?(_ convolution: any Layer<T>, then pooling: any Layer<T>) {
    guard T.fusesConvolutionAndPooling, let convolution = convolution as? Conv2D<T>, pooling is MaxPool2D<T>,
      convolution.inChannels == 1, convolution.activation == .relu, !convolution.needsInputGradient
    else { return nil }
    self.convolution = convolution
  }

  func forward(_ x: Tensor<T>, context: ForwardContext) -> Tensor<T> {
    let (batch, h, w, channels) = (x.shape[0], x.shape[2], x.shape[3], convolution.outChannels)
    let (inSize, outSize) = (h * w, channels * (h / 2) * (w / 2))
    let training = context.training
    var pooled = [T](unsafeUninitializedCapacity: batch * outSize) { _, count in count = batch * outSize }
    codes = training ? [UInt8](repeating: 0, count: batch * outSize) : []
    let (weights, biases) = (convolution.weight.values, convolution.bias.values)
    x.values.withUnsafeBufferPointer { xBuffer in
      nonisolated(unsafe) let x = xBuffer.baseAddress!
      pooled.withShared { pooled in
        codes.withShared { codes in
          forEachBlock(batch, threads: context.threads) { examples in
            let scratch = UnsafeMutablePointer<T>.allocate(capacity: genrekit_conv_pool_scratch(h, w))
            defer { scratch.deallocate() }
            for n in examples {
              T.convolveAndPool(
                x + n * inSize, height: h, width: w, weights: weights, bias: biases, channels: channels, scratch: scratch,
                pooled: pooled.base! + n * outSize, codes: training ? codes.base! + n * outSize : nil)
            }
          }
        }
      }
    }
    (input, inputShape) = (training ? x.values : [], x.shape)
    return Tensor(shape: [batch, channels, h / 2, w / 2], values: pooled)
  }

  /// Adds the convolution's weight and bias gradients, summed over examples in example order.
  func backward(_ gradient: Tensor<T>, context: ForwardContext) {
    let (batch, h, w, channels) = (inputShape[0], inputShape[2], inputShape[3], convolution.outChannels)
    let (inSize, outSize, kernelSize) = (h * w, channels * (h / 2) * (w / 2), channels * 9)
    var weightParts = [T](repeating: 0, count: batch * kernelSize)
    var biasParts = [T](repeating: 0, count: batch * channels)
    input.withUnsafeBufferPointer { xBuffer in
      gradient.values.withUnsafeBufferPointer { dyBuffer in
        codes.withUnsafeBufferPointer { codeBuffer in
          nonisolated(unsafe) let (x, dy, codes) = (xBuffer.baseAddress!, dyBuffer.baseAddress!, codeBuffer.baseAddress!)
          weightParts.withShared { dw in
            biasParts.withShared { db in
              forEachBlock(batch, threads: context.threads) { examples in
                let scratch = UnsafeMutablePointer<T>.allocate(capacity: genrekit_conv_pool_scratch(h, w))
                defer { scratch.deallocate() }
                for n in examples {
                  T.convolutionAndPoolingWeightGradient(
                    x + n * inSize, height: h, width: w, pooledGradient: dy + n * outSize, codes: codes + n * outSize, channels: channels,
                    scratch: scratch, weightGradient: dw.base! + n * kernelSize, biasGradient: db.base! + n * channels)
                }
              }
            }
          }
        }
      }
    }
    convolution.addExampleGradients(weightParts, biasParts, batch: batch)
  }
}
