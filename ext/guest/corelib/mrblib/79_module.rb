# Module methods CRuby has and mruby 3.3 lacks. mruby 3.3 does not enforce method
# visibility (private and protected are accepted and ignored), so every method is public
# and the visibility queries answer accordingly.
class Module
  def ==(other) = equal?(other)

  def public_instance_methods(all = true) = instance_methods(all)
  def private_instance_methods(_all = true) = []
  def protected_instance_methods(_all = true) = []
  def public_method_defined?(name, inherit = true) = __kobako_defined_here?(name, inherit)
  def private_method_defined?(_name, _inherit = true) = false
  def protected_method_defined?(_name, _inherit = true) = false

  def __kobako_defined_here?(name, inherit)
    name = name.to_sym if name.is_a?(String)
    return method_defined?(name) if inherit
    instance_methods(false).include?(name)
  end

  def public_instance_method(name)
    instance_method(name)
  end

  def private_class_method(*names)
    __kobako_check_methods(singleton_class, names)
    nil
  end

  def public_class_method(*names)
    __kobako_check_methods(singleton_class, names)
    nil
  end

  def __kobako_check_methods(mod, names)
    names.flatten.each do |n|
      next if mod.method_defined?(n.to_sym)
      raise NameError.new("undefined method '#{n}' for class '#{mod.inspect}'", n.to_sym)
    end
  end

  def private_constant(*names)
    __kobako_check_constants(names)
    self
  end

  def public_constant(*names)
    __kobako_check_constants(names)
    self
  end

  # CRuby warns on a deprecated constant only when Warning[:deprecated] is on, which it is
  # not by default.
  def deprecate_constant(*names)
    __kobako_check_constants(names)
    self
  end

  def __kobako_check_constants(names)
    names.flatten.each do |n|
      next if const_defined?(n, false)
      raise NameError.new("constant #{self}::#{n} not defined", n.to_sym)
    end
  end

  def set_temporary_name(name)
    unless name.nil?
      name = __kobako_str_arg(name)
      raise ArgumentError, "empty class/module name" if name.empty?
      if name.match?(/\A(?:::)?[A-Z]\w*(?:::[A-Z]\w*)*\z/)
        raise ArgumentError, "the temporary name must not be a constant path to avoid confusion"
      end
    end
    __kobako_set_temporary_name(name)
  end
end

# module_function without arguments: the methods defined after it in the module body
# become module functions too (mruby 3.3 needed the names).
module Kernel
  __kobako_module_function_mode = {}

  Module.alias_method(:__kobako_named_module_function, :module_function)

  Module.define_method(:module_function) do |*names|
    if names.empty?
      __kobako_module_function_mode[self] = true
      nil
    else
      __kobako_named_module_function(*names)
    end
  end

  Module.define_method(:method_added) do |name|
    if __kobako_module_function_mode[self] && !is_a?(Class)
      __kobako_named_module_function(name)
    end
  end

  # `public`, `private` or `protected` without arguments end the module_function section.
  %i[public private protected].each do |visibility|
    plain = :"__kobako_plain_#{visibility}"
    Module.alias_method(plain, visibility)
    Module.define_method(visibility) do |*names|
      __kobako_module_function_mode.delete(self) if names.empty?
      __send__(plain, *names)
    end
  end
end
