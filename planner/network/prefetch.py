"""A memory prefetch hint for numba code: ``prefetch(array, index)``.

A bounded search waits on memory: the next node's edge offsets, edges and distance are
rarely in the processor's caches. Asking for them while the current node is being scanned
(LLVM's ``llvm.prefetch`` intrinsic, a hint that changes no value) lets the loads overlap.
numba has no prefetch of its own, so this is a small numba intrinsic.
"""

from __future__ import annotations

from llvmlite import binding, ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

#: The intrinsic's name carries its pointer type: ``p0`` for LLVM's opaque pointers (the
#: default from LLVM 17), ``p0i8`` for typed ones. LLVM's IR parser renames a name that
#: does not match the pointers in use, so either works (checked on LLVM 15 and 22).
_NAME = "llvm.prefetch.p0" if binding.llvm_version_info[0] >= 17 else "llvm.prefetch.p0i8"
_I32 = ir.IntType(32)


@intrinsic
def prefetch(typingctx: object, array: types.Array, index: types.Integer) -> tuple:
    """Hint that ``array[index]`` will be read soon (kept in all cache levels).

    Parameters
    ----------
    typingctx : object
        numba's typing context.
    array : numba.types.Array
        A one-dimensional array.
    index : numba.types.Integer
        A position in it (not checked: a hint never faults).

    Returns
    -------
    tuple
        The signature and the code generator, as numba's intrinsics do.
    """
    sig = types.void(array, index)

    def codegen(context: object, builder: ir.IRBuilder, signature: object,
                args: tuple) -> object:
        ary_type = signature.args[0]
        ary = context.make_array(ary_type)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, ary_type, ary, [args[1]],
                                       wraparound=False)
        byte_ptr = ir.IntType(8).as_pointer()
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte_ptr, _I32, _I32, _I32]), _NAME)
        # read (0), keep in every cache level (3), data cache (1)
        builder.call(fn, [builder.bitcast(ptr, byte_ptr), ir.Constant(_I32, 0),
                          ir.Constant(_I32, 3), ir.Constant(_I32, 1)])
        return context.get_dummy_value()

    return sig, codegen
