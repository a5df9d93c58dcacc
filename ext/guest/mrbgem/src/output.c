/*
 * Kobako::Output: the guest's stdout/stderr objects. Bytes go out through WASI fd 1/2,
 * which the host captures per invocation (contract C-3). Everything else about the
 * IO-like API lives in mrblib/output.rb on top of #syswrite.
 */
#include <errno.h>
#include <unistd.h>
#include <mruby.h>
#include <mruby/string.h>
#include <mruby/variable.h>
#include <mruby/presym.h>
#include "kobako_guest.h"

static mrb_int
channel_fd(mrb_state *mrb, mrb_value self)
{
  mrb_value fd = mrb_iv_get(mrb, self, MRB_IVSYM(fd));
  if (!mrb_integer_p(fd) || (mrb_integer(fd) != 1 && mrb_integer(fd) != 2)) {
    mrb_raise(mrb, mrb_class_get(mrb, "IOError"), "not an open output channel");
  }
  return mrb_integer(fd);
}

/* Output#initialize(fd): only the two captured channels exist. */
static mrb_value
output_initialize(mrb_state *mrb, mrb_value self)
{
  mrb_int fd;
  mrb_get_args(mrb, "i", &fd);
  if (fd != 1 && fd != 2) {
    mrb_raisef(mrb, E_ARGUMENT_ERROR, "no output channel for fd %i (only 1 and 2 exist)", fd);
  }
  mrb_iv_set(mrb, self, MRB_IVSYM(fd), mrb_int_value(mrb, fd));
  return self;
}

/* Output#syswrite(str) -> Integer: writes the bytes of str.to_s, returns their count. */
static mrb_value
output_syswrite(mrb_state *mrb, mrb_value self)
{
  mrb_value obj;
  mrb_get_args(mrb, "o", &obj);
  mrb_value str = mrb_obj_as_string(mrb, obj);
  mrb_int fd = channel_fd(mrb, self);
  const char *p = RSTRING_PTR(str);
  mrb_int left = RSTRING_LEN(str);
  while (left > 0) {
    ssize_t n = write((int)fd, p, (size_t)left);
    if (n < 0) {
      if (errno == EINTR) continue;
      mrb_raise(mrb, mrb_class_get(mrb, "IOError"), "write to a captured output channel failed");
    }
    p += n;
    left -= n;
  }
  return mrb_int_value(mrb, RSTRING_LEN(str));
}

void
kobako_output_init(mrb_state *mrb, struct RClass *kobako)
{
  mrb_define_class(mrb, "IOError", E_STANDARD_ERROR);
  struct RClass *output = mrb_define_class_under(mrb, kobako, "Output", mrb->object_class);
  mrb_define_method(mrb, output, "initialize", output_initialize, MRB_ARGS_REQ(1));
  mrb_define_method(mrb, output, "syswrite", output_syswrite, MRB_ARGS_REQ(1));
}

