// Candidate side of the kisystem example task "biquad-filter" (docs/task-authors.md): answers each
// input frame with what the solution computes. It never judges: the trusted checker (checker.cpp,
// built without the solution, run outside this program's sandbox) makes the inputs and the verdict.
// Frame layouts: see checker.cpp.
#include "biquad.h"
#include "kisystem_io.h"

#include <cstdint>
#include <vector>

int main() {
  kio::Candidate io;
  std::vector<char> frame;
  while (io.next(frame)) {
    kio::Reader in(frame);
    kio::Writer out;
    if (in.get<std::uint32_t>() == 0) {
      const double fs = in.get<double>(), fc = in.get<double>(), q = in.get<double>();
      const BiquadCoeffs c = lowpass_coeffs(fs, fc, q);
      for (double v : {c.b0, c.b1, c.b2, c.a1, c.a2}) out.put(v);
    } else {
      BiquadCoeffs c;
      c.b0 = in.get<double>();
      c.b1 = in.get<double>();
      c.b2 = in.get<double>();
      c.a1 = in.get<double>();
      c.a2 = in.get<double>();
      const bool in_place = in.get<std::uint32_t>() != 0;
      const std::vector<std::uint64_t> blocks = in.get_vec<std::uint64_t>();
      const std::vector<float> x = in.get_vec<float>();
      std::vector<float> y(x.size(), 12345.0f);
      std::vector<float> buf = x;  // for in-place processing
      BiquadState state;
      std::size_t pos = 0;
      for (std::uint64_t b : blocks) {
        const std::size_t n = static_cast<std::size_t>(b);
        if (in_place) {
          biquad_process(c, buf.data() + pos, buf.data() + pos, n, state);
        } else {
          biquad_process(c, x.data() + pos, y.data() + pos, n, state);
        }
        pos += n;
      }
      out.put_vec(in_place ? buf : y);
    }
    io.reply(out);
  }
  return 0;
}
