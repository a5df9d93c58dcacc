# Reads the import and export sections of a wasm module, so the build can prove the guest
# reaches nothing but WASI p1, the kobako dispatch import (contract W-1) and the compile
# cache's bytecode hand-over. rustc links
# wasip1 cdylibs with --allow-undefined: a missing C symbol silently becomes an env import.
module KobakoBuild
  class WasmInspector
    Import = Struct.new(:module_name, :name, :kind)
    Export = Struct.new(:name, :kind)

    KINDS = { 0 => :func, 1 => :table, 2 => :memory, 3 => :global, 4 => :tag }.freeze
    REQUIRED_EXPORTS = {
      "memory" => :memory, "__kobako_alloc" => :func, "__kobako_eval" => :func,
      "__kobako_run" => :func, "__kobako_take_outcome" => :func,
      "__kobako_yield_to_block" => :func, "__kobako_abi_version" => :func,
      "__kobako_seed" => :func, "__kobako_eval_compiled" => :func, "__kobako_keep_bytecode" => :func,
      "__kobako_session" => :func
    }.freeze
    ALLOWED_ENV_IMPORTS = %w[__kobako_dispatch __kobako_compiled].freeze

    attr_reader :imports, :exports

    def initialize(bytes)
      @bytes = bytes.b
      @pos = 0
      @imports = []
      @exports = []
      parse
    end

    def check_abi!
      bad = imports.reject do |imp|
        imp.kind == :func &&
          (imp.module_name == "wasi_snapshot_preview1" ||
           (imp.module_name == "env" && ALLOWED_ENV_IMPORTS.include?(imp.name)))
      end
      unless bad.empty?
        list = bad.map { |i| "#{i.module_name}.#{i.name} (#{i.kind})" }.join(", ")
        raise "guest module has forbidden imports (an unresolved symbol?): #{list}"
      end
      REQUIRED_EXPORTS.each do |name, kind|
        next if exports.any? { |e| e.name == name && e.kind == kind }
        raise "guest module does not export #{kind} #{name}"
      end
      true
    end

    private

    def parse
      raise "not a wasm module" unless @bytes.byteslice(0, 4) == "\0asm"
      @pos = 8
      while @pos < @bytes.bytesize
        id = byte
        size = leb
        section_end = @pos + size
        case id
        when 2 then parse_imports
        when 7 then parse_exports
        end
        @pos = section_end
      end
    end

    def parse_imports
      leb.times do
        mod = name
        field = name
        kind = KINDS.fetch(byte) { |k| raise "unknown import kind #{k}" }
        case kind
        when :func then leb
        when :table then byte; limits
        when :memory then limits
        when :global then byte; byte
        when :tag then byte; leb
        end
        @imports << Import.new(mod, field, kind)
      end
    end

    def parse_exports
      leb.times do
        export_name = name
        kind = KINDS.fetch(byte) { |k| raise "unknown export kind #{k}" }
        leb
        @exports << Export.new(export_name, kind)
      end
    end

    def limits
      flags = byte
      leb
      leb if flags & 1 == 1
    end

    def name
      len = leb
      s = @bytes.byteslice(@pos, len).force_encoding(Encoding::UTF_8)
      @pos += len
      s
    end

    def byte
      b = @bytes.getbyte(@pos) or raise "wasm module is truncated"
      @pos += 1
      b
    end

    def leb
      result = 0
      shift = 0
      loop do
        b = byte
        result |= (b & 0x7f) << shift
        return result if b < 0x80
        shift += 7
      end
    end
  end
end
