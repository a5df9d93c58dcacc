# Mutation check for the security rules (`rake mutation`): loaded with -r in a separate
# rspec process, it turns off the one rule ENV["KOBAKO_MUTANT"] names, replacing it with
# its permissive form. The adversarial and fuzz suites must then fail; a mutant they do
# not catch means a rule with no test.
require "kobako"
require "kobako/code_mode"

module KobakoMutants
  ALL = {
    # Capabilities: only declared names are callable.
    "declared" => -> { Kobako::Capabilities.singleton_class.prepend(Module.new { def declared?(*) = true }) },
    # Capabilities: the reflective and dispatch-by-name family is never exposable.
    "never_exposed" => -> { Kobako::Capabilities.singleton_class.prepend(Module.new { def never_exposed?(*) = false }) },
    # Capabilities: visibility as the object's own class sees it.
    "visibility" => lambda {
      Kobako::Capabilities.singleton_class.prepend(Module.new { def public_method_of(o, s) = method_of(o, s) })
    },
    # Capabilities: a fold runs only with a block.
    "folds" => -> { Kobako::Capabilities.singleton_class.prepend(Module.new { def needs_block?(*) = false }) },
    # Exposures: code, classes and OS resources never cross.
    "never_cross" => lambda {
      Kobako::Exposures.singleton_class.prepend(Module.new do
        def never_crosses?(*) = false
        def never_crosses_class?(*) = false
      end)
    },
    # Exposures: only exposed classes cross (the permissive form infers, as before issue 11).
    "exposed_only" => lambda {
      Kobako::Exposures.prepend(Module.new do
        def capability_for(object)
          super || Kobako::Capabilities::Capability.new("inferred", Kobako::Capabilities.class_of(object).public_instance_methods)
        end
      end)
    },
    # Exposures: an undeclared Struct offers its members and to_h only.
    "struct_members" => lambda {
      Kobako::Exposures.prepend(Module.new do
        def struct_members(klass)
          found = super
          found && Kobako::Capabilities::Capability.new(found.label, klass.public_instance_methods)
        end
      end)
    },
    # Messages: host detail is removed from text that crosses.
    "sanitize" => -> { Kobako::MessageSanitizer.singleton_class.prepend(Module.new { def clean(text, *) = text }) },
    # Messages: the original message, without did_you_mean/error_highlight.
    "original_message" => -> { Kobako::ServiceErrors.prepend(Module.new { def original_message(error) = error.message }) },
    # Messages: host exception classes are named by their nearest standard class.
    "public_class" => -> { Kobako::ServiceErrors.prepend(Module.new { def public_class_name(error) = error.class.name }) },
    # Codec: its own messages never inspect host objects.
    "key_label" => -> { Kobako::Codec.singleton_class.prepend(Module.new { def key_label(key, _) = key.inspect }) },
    # Messages (X-1): only text the app wrote passes; the permissive form trusts every message.
    "app_written" => -> { Kobako::ServiceErrors.prepend(Module.new { def app_written?(*) = true }) },
    # Messages: code under Ruby's, a gem's or kobako's directories is not the app's.
    "code_origin" => -> { Kobako::CodeOrigin.singleton_class.prepend(Module.new { def library?(*) = false }) },
    # Messages: an exception raised inside a C method was raised by Ruby, not by the app.
    "raised_by_app_code" => -> { Kobako::ServiceErrors.prepend(Module.new { def raised_by_app_code?(*) = true }) },
    # Messages: what Ruby's VM says about objects in the app's own frame is Ruby's text.
    "ruby_wordings" => -> { Kobako::ServiceErrors.const_set(:RUBY_WORDINGS, /(?!)/) },
    # Code mode: a model reads the value as the script saw it (Handles, not host inspects).
    "guest_view" => -> { Kobako::GuestView.singleton_class.prepend(Module.new { def inspect(v, *) = v.inspect }) },
    # Code mode: a model reads the guest's text, not the host-only detail.
    "guest_message" => lambda {
      Kobako::GuestFailure.prepend(Module.new { def guest_message = message })
    },
    # Host memory (X-2): the transcript keeps at most transcript_limit bytes.
    "transcript_budget" => lambda {
      Kobako::Transcript.prepend(Module.new { def initialize(limit = Kobako::Transcript::MAX_CALLS, *) = super(limit, nil) })
    },
    # Host memory: failures keep at most MAX_FAILURE_BYTES.
    "failure_budget" => -> { Kobako::Dispatcher.const_set(:MAX_FAILURE_BYTES, Float::INFINITY) },
    # Host memory: an invocation hands out at most max_handles Handles.
    "handle_cap" => lambda {
      Kobako::HandleTable.prepend(Module.new do
        def initialize(exposures = Kobako::Exposures.new, _limit = nil) = super(exposures, Kobako::HandleTable::MAX_HANDLES)
      end)
    },
    # Host memory: a script's error message and backtrace are clipped.
    "error_clip" => -> { Kobako::Transport.singleton_class.prepend(Module.new { def clip(text, *) = text }) },
    # Slots: an object fills a slot only with a declaration (the permissive form infers).
    "slot_declared" => lambda {
      Kobako::Services.prepend(Module.new do
        def capability_for_binding(path, object, methods)
          super
        rescue ArgumentError
          Kobako::Capabilities::Capability.new(path, Kobako::Capabilities.class_of(object).public_instance_methods)
        end
      end)
    },
    # Slots: a filling lives only in its own invocation (the permissive form keeps the last one).
    "slot_per_invocation" => lambda {
      Kobako::Dispatcher.prepend(Module.new do
        def initialize(*args, bindings: Kobako::Bindings::NONE, **kw)
          $kobako_last_bindings = bindings unless bindings.empty?
          super(*args, bindings: bindings.empty? && $kobako_last_bindings ? $kobako_last_bindings : bindings, **kw)
        end
      end)
    },
    # Paths: nothing is bound under the guest's own constants.
    "guest_constants" => -> { Kobako::GuestConstants.singleton_class.prepend(Module.new { def for(*) = Set.new }) },
    # Values (X-1): a Set holding a Handle compares by identity (the permissive form hashes
    # the host objects).
    "set_identity" => -> { Kobako::Codec::Wire.singleton_class.prepend(Module.new { def set(elements, _) = Set.new(elements) }) },
    # Values (X-1): a Range endpoint is never a Handle (Range.new would run its #<=>).
    "range_handles" => lambda {
      Kobako::Codec::Wire.singleton_class.prepend(Module.new do
        def build(type, parts, handles) = type == Kobako::Codec::Wire::RANGE ? range(parts) : super
      end)
    },
    # Stored runs (issue 27): a blob's checksum is checked before its body is read.
    "snapshot_checksum" => lambda {
      Kobako::RunRecord.singleton_class.prepend(Module.new do
        def open_blob(blob, kind)
          blob = blob.b if blob.is_a?(String)
          if blob.is_a?(String) && blob.bytesize >= Kobako::RunRecord::HEADER
            payload = blob.byteslice(Kobako::RunRecord::HEADER, blob.bytesize)
            blob = blob.byteslice(0, Kobako::RunRecord::MAGIC.bytesize + 2) + Digest::SHA256.digest(payload) + payload
          end
          super
        end
      end)
    },
    # Stored runs: only a Sandbox set up like the one that stored a run resumes it.
    "snapshot_identity" => -> { Kobako::RunRecord.singleton_class.prepend(Module.new { def check_compatible!(*) = nil }) },
    # Suspension: a call inside another Service call's block never suspends the run.
    "suspend_nested" => lambda {
      Kobako::Dispatcher.prepend(Module.new do
        def suspend(suspension, entry, request)
          @depth = 1
          super
        end
      end)
    }
    # The decoders' length and depth checks live in Rust (ext/kobako/src/ruby_codec.rs and
    # the guest crate's reader): cargo tests and spec/kobako/decoder_fuzz_spec.rb cover them.
  }.freeze
end

if (name = ENV["KOBAKO_MUTANT"])
  KobakoMutants::ALL.fetch(name).call
  warn "kobako mutant: #{name} is off"
end
