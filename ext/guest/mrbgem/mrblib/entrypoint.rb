module Kobako
  # Calls a run entrypoint (src/entrypoint.c). Keywords go as keywords; a callable that
  # takes none receives them as a trailing positional Hash, as in Ruby.
  def self.__run_entrypoint(target, args, kwargs)
    kwargs.empty? ? target.call(*args) : target.call(*args, **kwargs)
  end
end
