require_relative "signatures"

module Kobako
  module CodeMode
    # What a language model needs to write a script for this Sandbox, in few tokens: one
    # line on what the sandbox is, then each Service and slot as Ruby signatures
    # (`Shop::Orders.find(id, detail: false)`), with the description given at bind time
    # (`doc:`), then the classes whose objects reach the script as Handles. With `rbs:`
    # files (and the rbs gem), a method those files type is shown with its RBS type.
    class ApiReference
      LIBRARIES = %w[json date time set csv base64 bigdecimal securerandom].freeze
      HEADER = "Ruby (mruby 3.3) in a sandbox: no files, network, processes, threads or sleep; " \
               "`require` gives #{LIBRARIES.join(', ')}. Only these reach the host:".freeze

      def initialize(services, exposures, rbs: [])
        @services = services
        @exposures = exposures
        @types = RbsTypes.load(Array(rbs))
        @files = {} # source files read for signatures, by path
      end

      def to_s
        lines = [HEADER]
        @services.described.each do |entry, doc|
          lines << "# #{doc.gsub(/\s*\n\s*/, ' ')}" if doc
          lines.concat(entry.slot? ? slot_lines(entry) : service_lines(entry))
        end
        handles = @exposures.exposed.map { |klass, capability| handle_line(klass, capability) }
        lines << "Handles (objects Services return; call only these):" unless handles.empty?
        lines.concat(handles)
        "#{lines.join("\n")}\n"
      end

      private

      def service_lines(entry)
        object = entry.object
        # A Proc's call, [], yield and arity are one method to a script author.
        names = object.is_a?(Proc) ? ["call"] : entry.capability.method_names
        names.map do |name|
          "#{entry.path}.#{name}#{method_text(object, name)}"
        end
      end

      def slot_lines(entry)
        what = entry.capability ? entry.capability.method_names.join(", ") : "what its class declares"
        ["#{entry.path}: an object filled per run; call #{what}"]
      end

      def handle_line(klass, capability)
        methods = capability.method_names.map do |name|
          unbound = instance_method_of(klass, name)
          typed = @types["#{klass.name}##{name}"]
          next "#{name}: #{typed}" if typed

          "#{name}#{unbound ? Signatures.of(unbound, @files) : ''}"
        end
        "#{capability.label}: #{methods.join(', ')}"
      end

      def method_text(object, name)
        typed = (klass = Capabilities.class_of(object).name) && @types["#{klass}##{name}"]
        return ": #{typed}" if typed
        return Signatures.of(object, @files) if object.is_a?(Proc) && name == "call"

        method = Capabilities.public_method_of(object, name.to_sym)
        method ? Signatures.of(method, @files) : ""
      end

      def instance_method_of(klass, name)
        klass.instance_method(name)
      rescue NameError
        nil
      end
    end

    # "Class#method" => "(String id) -> Order" from RBS files, when the rbs gem is there.
    module RbsTypes
      module_function

      def load(paths)
        return {} if paths.empty?

        begin
          require "rbs"
        rescue LoadError
          raise ArgumentError, "rbs: needs the rbs gem (Debian: ruby-rbs), which is not installed"
        end
        paths.each_with_object({}) { |path, types| read(path, types) }
      end

      def read(path, types)
        parsed = ::RBS::Parser.parse_signature(File.read(path))
        declarations = parsed.is_a?(Array) && parsed.size == 3 && parsed[2].is_a?(Array) ? parsed[2] : parsed
        declarations.each { |decl| collect(decl, nil, types) }
      rescue SystemCallError => e
        raise ArgumentError, "rbs: cannot read #{path}: #{e.message}"
      end

      def collect(decl, outer, types)
        return unless decl.respond_to?(:members) && decl.respond_to?(:name)

        name = [outer, decl.name.to_s.delete_prefix("::")].compact.join("::")
        decl.members.each do |member|
          if member.is_a?(::RBS::AST::Members::MethodDefinition) && member.kind != :singleton
            # rbs 3 keeps overloads, each with its method type; rbs 2 the types directly.
            signatures = member.respond_to?(:overloads) ? member.overloads.map(&:method_type) : member.types
            types["#{name}##{member.name}"] = signatures.map(&:to_s).join(" | ")
          else
            collect(member, name, types)
          end
        end
      end
    end
  end
end
