// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

// Same interface and behaviour as the canonical Multicall3 (mds1/multicall,
// deployed at 0xcA11bde05977b3631167028862bE2a173976CA11 on public chains).
// anvil ships without it, and both viem and the x402 facilitator batch their
// diagnostic reads through it, so the devnet installs this contract's runtime
// code at the canonical address. Rewritten here because the canonical bytecode
// cannot be fetched offline; only the behaviour has to match, not the bytes.

contract Multicall3 {
  struct Call {
    address target;
    bytes callData;
  }

  struct Call3 {
    address target;
    bool allowFailure;
    bytes callData;
  }

  struct Call3Value {
    address target;
    bool allowFailure;
    uint256 value;
    bytes callData;
  }

  struct Result {
    bool success;
    bytes returnData;
  }

  function aggregate(Call[] calldata calls) public payable returns (uint256 blockNumber, bytes[] memory returnData) {
    blockNumber = block.number;
    returnData = new bytes[](calls.length);
    for (uint256 i = 0; i < calls.length; i++) {
      bool success;
      (success, returnData[i]) = calls[i].target.call(calls[i].callData);
      require(success, "Multicall3: call failed");
    }
  }

  function tryAggregate(bool requireSuccess, Call[] calldata calls) public payable returns (Result[] memory returnData) {
    returnData = new Result[](calls.length);
    for (uint256 i = 0; i < calls.length; i++) {
      (bool success, bytes memory ret) = calls[i].target.call(calls[i].callData);
      if (requireSuccess) require(success, "Multicall3: call failed");
      returnData[i] = Result(success, ret);
    }
  }

  function tryBlockAndAggregate(
    bool requireSuccess,
    Call[] calldata calls
  ) public payable returns (uint256 blockNumber, bytes32 blockHash, Result[] memory returnData) {
    blockNumber = block.number;
    blockHash = blockhash(block.number);
    returnData = tryAggregate(requireSuccess, calls);
  }

  function blockAndAggregate(
    Call[] calldata calls
  ) public payable returns (uint256 blockNumber, bytes32 blockHash, Result[] memory returnData) {
    (blockNumber, blockHash, returnData) = tryBlockAndAggregate(true, calls);
  }

  function aggregate3(Call3[] calldata calls) public payable returns (Result[] memory returnData) {
    returnData = new Result[](calls.length);
    for (uint256 i = 0; i < calls.length; i++) {
      Call3 calldata c = calls[i];
      (bool success, bytes memory ret) = c.target.call(c.callData);
      require(c.allowFailure || success, "Multicall3: call failed");
      returnData[i] = Result(success, ret);
    }
  }

  function aggregate3Value(Call3Value[] calldata calls) public payable returns (Result[] memory returnData) {
    uint256 valAccumulator;
    returnData = new Result[](calls.length);
    for (uint256 i = 0; i < calls.length; i++) {
      Call3Value calldata c = calls[i];
      valAccumulator += c.value;
      (bool success, bytes memory ret) = c.target.call{value: c.value}(c.callData);
      require(c.allowFailure || success, "Multicall3: call failed");
      returnData[i] = Result(success, ret);
    }
    require(msg.value == valAccumulator, "Multicall3: value mismatch");
  }

  function getBlockHash(uint256 blockNumber) public view returns (bytes32 blockHash) {
    blockHash = blockhash(blockNumber);
  }

  function getBlockNumber() public view returns (uint256 blockNumber) {
    blockNumber = block.number;
  }

  function getCurrentBlockCoinbase() public view returns (address coinbase) {
    coinbase = block.coinbase;
  }

  // Named for the pre-merge field; after the merge the same slot holds prevrandao.
  function getCurrentBlockDifficulty() public view returns (uint256 difficulty) {
    difficulty = block.prevrandao;
  }

  function getCurrentBlockGasLimit() public view returns (uint256 gaslimit) {
    gaslimit = block.gaslimit;
  }

  function getCurrentBlockTimestamp() public view returns (uint256 timestamp) {
    timestamp = block.timestamp;
  }

  function getEthBalance(address addr) public view returns (uint256 balance) {
    balance = addr.balance;
  }

  function getLastBlockHash() public view returns (bytes32 blockHash) {
    unchecked {
      blockHash = blockhash(block.number - 1);
    }
  }

  function getBasefee() public view returns (uint256 basefee) {
    basefee = block.basefee;
  }

  function getChainId() public view returns (uint256 chainid) {
    chainid = block.chainid;
  }
}
