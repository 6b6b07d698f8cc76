// SPDX-License-Identifier: GPL-2.0-only
/*
 * Short-circuiting a probed function.
 *
 * A pre-handler that has decided what the probed function should return
 * stores the value in regs->ax, points regs->ip at shim_ret_stub and
 * returns 1. Both kinds of kprobe honour a changed ip when the pre-handler
 * returns non-zero: the int3 path resumes at regs->ip on iret, the ftrace
 * path copies regs->ip into the slot its trampoline returns through. Either
 * way the CPU lands on the stub with the stack as it was on entry to the
 * probed function, the caller's return address on top, so one return hands
 * the value to the caller as if the function had run. Every probe point we
 * use is the function's entry, where nothing else has been pushed yet.
 *
 * The stub is reached by iret or by ret, never by an indirect call or jump,
 * so it carries no ENDBR even where CONFIG_X86_KERNEL_IBT=y (6.12);
 * ANNOTATE_NOENDBR tells objtool that its address is taken on purpose. Its
 * return is ASM_RET: "jmp __x86_return_thunk" on kernels built with return
 * thunks (both supported kernels), recorded in .return_sites, so the module
 * loader patches it to whatever return sequence the running CPU's
 * mitigations use, exactly like every other return in this module. That is
 * the shape of the kernel's own error-injection landing pad, which neither
 * Debian kernel builds (CONFIG_FUNCTION_ERROR_INJECTION is off), so we
 * carry our own.
 *
 * Unloading. The stub lives in this module's text, so after the last
 * redirect no CPU may still be on its way through it when the text is
 * freed. shim_quiesce() is called after unregister_kprobes() and gives
 * that guarantee:
 *  - unregister_kprobes() disarms the probes and waits for an RCU grace
 *    period; pre-handlers run with preemption (ftrace) or interrupts (int3)
 *    disabled, so none is still running and none can redirect again.
 *  - A CPU that was redirected just before may still be between the kprobe
 *    trampoline and the stub's return. With preemption (Debian kernels are
 *    PREEMPT_DYNAMIC) the task can be preempted right there, which a normal
 *    grace period does not wait for. synchronize_rcu_tasks() waits until
 *    every task has passed a voluntary context switch or user mode; the
 *    trampoline tail and the stub contain no such point, so afterwards no
 *    task is inside either. This is the rule ftrace itself follows before
 *    freeing a dynamic trampoline.
 *  - Tasks RCU does not look at idle tasks, and an interrupt handler (a
 *    driver mapping DMA from hard or soft irq on an idle CPU) runs with
 *    preemption disabled: a further synchronize_rcu() covers those.
 * Outside testing mode only accepted devices are ever redirected and
 * pci_tsm pins this module while any device is accepted, so the window is
 * closed already; in testing mode force_dma_unencrypted() is answered for
 * every device, and the two grace periods are what make unload safe.
 *
 * A built-in landing pad would avoid the question, but the only exported
 * candidate, __x86_return_thunk, warns when it is reached unpatched on
 * 6.12, and borrowing an unrelated exported function is more fragile than
 * waiting twice at unload.
 */
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <linux/rcupdate.h>

#include "shim.h"

asmlinkage void shim_ret_stub(void);

asm(".pushsection .text\n"
	".type shim_ret_stub, @function\n"
	"shim_ret_stub:\n"
	ANNOTATE_NOENDBR
	ASM_RET
	".size shim_ret_stub, .-shim_ret_stub\n"
	".popsection\n");

/*
 * shim_return() - make the probed function return @val to its caller
 *
 * Context: a kprobe pre-handler at the entry of the probed function.
 * Return: 1, which the pre-handler returns to kprobes (ip was changed).
 */
int shim_return(struct pt_regs *regs, unsigned long val)
{
	regs->ax = val;
	regs->ip = (unsigned long)shim_ret_stub;
	return 1;
}

NOKPROBE_SYMBOL(shim_return);

/* Wait until no CPU can still be on its way through shim_ret_stub. */
void shim_quiesce(void)
{
	synchronize_rcu_tasks();
	synchronize_rcu();
}
