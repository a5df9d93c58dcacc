# kobako: run untrusted Ruby (mruby compiled to WebAssembly) inside this Ruby process.
# See README.md for usage and docs/architecture.md for how the pieces fit.
require_relative "kobako/version"
require_relative "kobako/errors"
require_relative "kobako/usage"
require_relative "kobako/codec"
require_relative "kobako/instrumentation"

# The extension looks up the error and Codec classes above when it loads. A build for this
# Ruby's minor version (lib/kobako/3.3/kobako.so: CI's second Ruby, or a platform gem that
# carries several) comes first; a build next to this file otherwise.
begin
  versioned = File.join(__dir__, "kobako", RUBY_VERSION[/\A\d+\.\d+/], "kobako.so")
  require(File.exist?(versioned) ? versioned.delete_suffix(".so") : File.join(__dir__, "kobako", "kobako"))
rescue LoadError => e
  raise LoadError, "kobako's native extension is not built (#{e.message}): run bin/setup or `rake compile`"
end

require_relative "kobako/transport"

require_relative "kobako/capabilities"
require_relative "kobako/exposable"
require_relative "kobako/exposures"
require_relative "kobako/handle_table"
require_relative "kobako/code_origin"
require_relative "kobako/message_sanitizer"
require_relative "kobako/service_errors"
require_relative "kobako/deadline"
require_relative "kobako/clock"
require_relative "kobako/host_interrupts"
require_relative "kobako/guest_constants"
require_relative "kobako/namespace"
require_relative "kobako/services"
require_relative "kobako/snippets"
require_relative "kobako/arguments"
require_relative "kobako/guest_block"
require_relative "kobako/transcript"
require_relative "kobako/bindings"
require_relative "kobako/locals"
require_relative "kobako/guest_view"
require_relative "kobako/execution"
require_relative "kobako/suspension"
require_relative "kobako/tagged_value"
require_relative "kobako/run_record"
require_relative "kobako/replay"
require_relative "kobako/dispatcher"
require_relative "kobako/sandbox/recorded_runs"
require_relative "kobako/sandbox"
require_relative "kobako/session"
require_relative "kobako/code_mode/api_reference"

# In a Rails app (Rails loaded first, as Bundler.require does), the Railtie comes along.
require_relative "kobako/rails" if defined?(::Rails::Railtie)
